import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureCliBuilt } from '../../../server/test/support/cli-build';
import { runBerth } from '../../../server/test/support/run-to-end';

const PASSWORD = 'piped-password-1';

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
