import { berth } from './support/cli-harness';

const COMMANDS = [
  'serve',
  'migrate',
  'migrate up',
  'migrate status',
  'config check',
  'repo ls',
  'tag ls',
  'manifest inspect',
  'user add',
  'user ls',
  'user passwd',
  'user rm',
  'user admin',
  'namespace add',
  'namespace ls',
  'namespace set',
  'namespace rm',
  'member set',
  'member rm',
  'member ls',
  'robot add',
  'robot ls',
  'robot revoke',
  'robot rm',
  'auth keygen',
];

describe('berth', () => {
  it('lists every command in its usage', async () => {
    const { code, stdout, stderr } = await berth({}, ['--help']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^Usage: berth <command>/);
    for (const command of COMMANDS) expect(stdout).toMatch(new RegExp(`^  ${command}  +\\S`, 'm'));
  });

  it.each(COMMANDS)('prints help for %s', async (command) => {
    const result = await berth({}, [...command.split(' '), '--help']);
    expect(result).toEqual({
      code: 0,
      stdout: expect.stringContaining(`Usage: berth ${command}`),
      stderr: '',
    });
    expect(result.stdout).toMatch(/^Options:\n(?: {2}.+\n)* {2}-h, --help +show this help\n$/m);
  });

  it('lists a group of commands, on stdout when asked and on stderr when one is missing', async () => {
    const asked = await berth({}, ['robot', '--help']);
    expect(asked).toEqual({
      code: 0,
      stdout: expect.stringContaining('Usage: berth robot <command>'),
      stderr: '',
    });
    for (const command of ['add', 'ls', 'revoke', 'rm'])
      expect(asked.stdout).toContain(`berth robot ${command} <`);
    expect(await berth({}, ['robot'])).toEqual({ code: 2, stdout: '', stderr: asked.stdout });
  });

  it('refuses an unknown command, exiting 2', async () => {
    for (const argv of [['frobnicate'], ['user', 'frobnicate']]) {
      expect(await berth({}, argv)).toEqual({
        code: 2,
        stdout: '',
        stderr: expect.stringContaining(`unknown command "${argv.join(' ')}"`),
      });
    }
  });

  it('reports invalid configuration, exiting 1', async () => {
    expect(await berth({ BERTH_METADATA_DRIVER: 'mysql' }, ['user', 'ls'])).toEqual({
      code: 1,
      stdout: '',
      stderr: expect.stringMatching(
        /^error: invalid configuration:\n {2}metadata\.driver \(BERTH_METADATA_DRIVER\)/,
      ),
    });
  });

  it('checks the configuration, printing it with secrets redacted', async () => {
    const env = {
      BERTH_METADATA_DRIVER: 'postgres',
      BERTH_METADATA_POSTGRES_URL: 'postgres://u:secret@db/berth',
    };
    const { code, stdout } = await berth(env, ['config', 'check']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      metadata: { driver: 'postgres', postgres: { url: '<redacted>' } },
    });
  });
});
