import { PassThrough, Readable } from 'node:stream';
import { CommandError, UsageError, type CommandContext } from '../src/command';
import { readNewPassword } from '../src/commands/access/password';

/** A terminal on which each prompt (a write to stderr) is answered with the next keystrokes. */
function terminal(answers: string[]) {
  const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: jest.fn() });
  const stderr = new PassThrough();
  let shown = '';
  stderr.on('data', (chunk: Buffer) => {
    shown += chunk.toString();
    if (shown.endsWith(': ')) setImmediate(() => stdin.write(answers.shift() ?? ''));
  });
  const context: CommandContext = { env: {}, stdin, stdout: new PassThrough(), stderr };
  return { context, stdin, shown: () => shown };
}

describe('readNewPassword', () => {
  it('prompts twice at a terminal, in raw mode, without showing what is typed', async () => {
    const { context, stdin, shown } = terminal(['typed-secret-1\r', 'typed-secret-1\r']);
    await expect(readNewPassword(context, false)).resolves.toBe('typed-secret-1');
    expect(shown()).toBe('Password: \nRepeat password: \n');
    expect(stdin.setRawMode.mock.calls).toEqual([[true], [false], [true], [false]]);
  });

  it('lets the user correct typing with backspace', async () => {
    const { context } = terminal(['typed-secret-x\x7f1\r', 'typed-secret-1\r']);
    await expect(readNewPassword(context, false)).resolves.toBe('typed-secret-1');
  });

  it('refuses passwords that do not match', async () => {
    const { context } = terminal(['typed-secret-1\r', 'typed-secret-2\r']);
    await expect(readNewPassword(context, false)).rejects.toThrow(
      new CommandError('the passwords do not match'),
    );
  });

  it('stops on Ctrl-C, exiting 130', async () => {
    const { context } = terminal(['typed\x03']);
    await expect(readNewPassword(context, false)).rejects.toMatchObject({
      message: 'interrupted',
      exitCode: 130,
    });
  });

  it('reads the first line of stdin with --password-stdin, without prompting', async () => {
    const stderr = new PassThrough();
    const stdin = Readable.from(['piped-secret-1\r\nsecond line\n']);
    const context: CommandContext = { env: {}, stdin, stdout: new PassThrough(), stderr };
    await expect(readNewPassword(context, true)).resolves.toBe('piped-secret-1');
    expect(stderr.read()).toBeNull();
  });

  it('will not prompt when stdin is not a terminal', async () => {
    const context: CommandContext = {
      env: {},
      stdin: Readable.from([]),
      stdout: new PassThrough(),
      stderr: new PassThrough(),
    };
    await expect(readNewPassword(context, false)).rejects.toThrow(UsageError);
  });
});
