import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BerthProcess, freePort } from '../../../server/test/support/berth-process';
import { ensureCliBuilt } from '../../../server/test/support/cli-build';
import { runBerth } from '../../../server/test/support/run-to-end';

const PASSWORD = 'holder-password-1';

describe('the CLI on the embedded data directory of a running registry', () => {
  let dir: string;
  let env: Record<string, string>;
  let registry: BerthProcess;

  beforeAll(async () => {
    ensureCliBuilt();
    dir = await mkdtemp(path.join(tmpdir(), 'berth-holder-'));
    env = {
      BERTH_METADATA_PGLITE_DATA_DIR: path.join(dir, 'metadata'),
      BERTH_BLOBS_FILESYSTEM_ROOT: path.join(dir, 'blobs'),
      BERTH_LOG_LEVEL: 'warn',
    };
    registry = new BerthProcess(await freePort(), env);
    await registry.start();
  }, 300_000);

  afterAll(async () => {
    if (registry.running) await registry.kill();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs writes through the registry, which keeps them once it has stopped', async () => {
    expect(await runBerth(env, ['user', 'add', 'bob', '--password-stdin'], `${PASSWORD}\n`)).toEqual({
      code: 0,
      stdout: 'created user bob\n',
      stderr: '',
    });
    expect(await runBerth(env, ['namespace', 'add', 'team-a'])).toMatchObject({ code: 0 });
    expect(await runBerth(env, ['member', 'set', 'team-a', 'bob', 'writer'])).toMatchObject({ code: 0 });
    expect((await runBerth(env, ['user', 'ls'])).stdout).toMatch(/^bob +no +\S+$/m);
    expect(await runBerth(env, ['repo', 'ls'])).toEqual({ code: 0, stdout: 'NAME\n', stderr: '' });
    // Failures come back as the command itself reports them, with its exit code.
    expect(await runBerth(env, ['user', 'add', 'bob', '--password-stdin'], `${PASSWORD}\n`)).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: user bob already exists\n',
    });
    expect(await runBerth(env, ['user', 'add', 'carol'])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'error: stdin is not a terminal: pass --password-stdin to read the password from it\n' +
        'Run "berth user add --help" for usage.\n',
    });

    registry.signal('SIGTERM');
    expect(await registry.exited()).toEqual({ code: 0, signal: null });
    expect(existsSync(path.join(dir, 'metadata', 'berth.sock'))).toBe(false);

    const users = await runBerth(env, ['user', 'ls']);
    expect(users).toMatchObject({ code: 0, stderr: '' });
    expect(users.stdout).toMatch(/^bob +no +\S+$/m);
    expect((await runBerth(env, ['member', 'ls', 'team-a'])).stdout).toMatch(/^bob +writer/m);
  }, 120_000);

  it('refuses a second registry on the directory, naming the one that holds it', async () => {
    await registry.start();
    const second = new BerthProcess(await freePort(), env);
    await expect(second.start()).rejects.toThrow(/exited/);
    expect(await second.exited()).toEqual({ code: 1, signal: null });
    const fatal = second.logEntries().find((entry) => entry.level === 60);
    expect(fatal?.msg).toMatch(
      new RegExp(`in use by berth serve \\(pid ${registry.pid}, since \\S+\\); only one process may open it`),
    );
    expect((await runBerth(env, ['user', 'ls'])).stdout).toMatch(/^bob /m);
  }, 120_000);

  it('takes over the directory of a registry that was killed', async () => {
    await registry.kill();
    expect(existsSync(path.join(dir, 'metadata', 'berth.sock'))).toBe(true);

    expect(await runBerth(env, ['user', 'rm', 'bob'])).toEqual({
      code: 0,
      stdout: 'deleted user bob\n',
      stderr: '',
    });
    await registry.start();
    expect((await runBerth(env, ['user', 'ls'])).stdout).toBe('NAME  ADMIN  CREATED\n');
  }, 120_000);
});
