import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI_MAIN, ensureCliBuilt } from '../../../server/test/support/cli-build';
import type { CliResult } from '../support/cli-harness';

const PASSWORD = 'piped-password-1';

/** Runs the built `berth` binary with only the environment given, feeding it `stdin`. */
function runBerth(env: NodeJS.ProcessEnv, args: string[], stdin = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], { env: { PATH: process.env.PATH, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('the berth binary', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    ensureCliBuilt();
    dir = await mkdtemp(path.join(tmpdir(), 'berth-cli-'));
    env = { BERTH_METADATA_PGLITE_DATA_DIR: path.join(dir, 'metadata') };
  }, 300_000);

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('adds a user with the password piped in, then lists it, and exits', async () => {
    const added = await runBerth(
      env,
      ['user', 'add', 'alice', '--admin', '--password-stdin'],
      `${PASSWORD}\n`,
    );
    expect(added).toEqual({ code: 0, stdout: 'created global admin alice\n', stderr: '' });

    const listed = await runBerth(env, ['user', 'ls']);
    expect(listed).toEqual({
      code: 0,
      stdout: expect.stringMatching(/^NAME +ADMIN +CREATED\nalice +yes +\S+\n$/),
      stderr: '',
    });
    expect(added.stdout + listed.stdout).not.toContain(PASSWORD);

    const again = await runBerth(env, ['user', 'add', 'alice', '--password-stdin'], `${PASSWORD}\n`);
    expect(again).toEqual({ code: 1, stdout: '', stderr: 'error: user alice already exists\n' });
  });
});
