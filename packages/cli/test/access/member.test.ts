import { cliOn, POSTGRES_BACKEND } from '../support/cli-harness';

describe('member commands on PostgreSQL', () => {
  const cli = cliOn(POSTGRES_BACKEND);

  beforeAll(async () => {
    await cli.ok(['namespace', 'add', 'team']);
    for (const user of ['alice', 'bob'])
      await cli.ok(['user', 'add', user, '--password-stdin'], 'a-long-password-1');
  });

  it('adds members, changes a role and lists them', async () => {
    expect(await cli.ok(['member', 'set', 'team', 'alice', 'writer'])).toBe(
      'added alice to team as writer\n',
    );
    expect(await cli.ok(['member', 'set', 'team', 'bob', 'reader'])).toBe('added bob to team as reader\n');
    expect(await cli.ok(['member', 'set', 'team', 'bob', 'admin'])).toBe('bob is now admin in team\n');
    expect(await cli.ok(['member', 'ls', 'team'])).toBe('USER   ROLE\nalice  writer\nbob    admin\n');
    expect(JSON.parse(await cli.ok(['member', 'ls', 'team', '--json']))).toEqual([
      { namespace: 'team', user: 'alice', role: 'writer' },
      { namespace: 'team', user: 'bob', role: 'admin' },
    ]);
  });

  it('removes a member', async () => {
    await cli.ok(['member', 'set', 'team', 'alice', 'reader']);
    expect(await cli.ok(['member', 'rm', 'team', 'alice'])).toBe('removed alice from team\n');
    expect(await cli.ok(['member', 'ls', 'team'])).not.toMatch(/^alice /m);
  });

  it('reports errors on stderr and exits non-zero', async () => {
    const cases: [argv: string[], code: number, stderr: string][] = [
      [
        ['member', 'set', 'team', 'alice', 'owner'],
        1,
        'error: role must be one of reader, writer, maintainer, admin',
      ],
      [['member', 'set', 'nowhere', 'alice', 'reader'], 1, 'error: no namespace nowhere'],
      [['member', 'set', 'team', 'nobody', 'reader'], 1, 'error: no user nobody'],
      [['member', 'set', 'team', 'alice'], 2, 'error: missing <role>'],
      [['member', 'rm', 'team', 'nobody'], 1, 'error: nobody is not a member of team'],
      [['member', 'ls', 'nowhere'], 1, 'error: no namespace nowhere'],
    ];
    for (const [argv, code, stderr] of cases) {
      expect(await cli.run(argv)).toEqual({ code, stdout: '', stderr: expect.stringContaining(stderr) });
    }
  });
});
