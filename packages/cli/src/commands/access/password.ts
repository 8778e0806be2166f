import {
  CommandError,
  PASSWORD_OPTION,
  UsageError,
  type CommandContext,
  type OptionSpecs,
} from '../../command';
import { promptHidden, readFirstLine } from '../../terminal';

export const PASSWORD_STDIN_OPTION = {
  [PASSWORD_OPTION]: { type: 'boolean', help: 'read the password from the first line of stdin' },
} as const satisfies OptionSpecs;

export const PASSWORD_HELP =
  'The password never goes on the command line, where shell history and process lists would show it: ' +
  'it is typed twice at a prompt, or read from stdin with --password-stdin.';

/** A new password from stdin when asked for, else typed twice at a terminal prompt. */
export async function readNewPassword(
  context: CommandContext,
  fromStdin: boolean | undefined,
): Promise<string> {
  const { stdin, stderr } = context;
  if (fromStdin) {
    const line = await readFirstLine(stdin);
    if (line === undefined) throw new CommandError('no password on stdin');
    return line;
  }
  if (!stdin.isTTY) {
    throw new UsageError('stdin is not a terminal: pass --password-stdin to read the password from it');
  }
  const password = await promptHidden(stdin, stderr, 'Password: ');
  if ((await promptHidden(stdin, stderr, 'Repeat password: ')) !== password) {
    throw new CommandError('the passwords do not match');
  }
  return password;
}
