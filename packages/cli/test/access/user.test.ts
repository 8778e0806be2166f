import { OPERATOR } from '@berth/core';
import { cliOn, POSTGRES_BACKEND } from '../support/cli-harness';

const PASSWORD = 'correct-horse-battery';

describe('user commands on PostgreSQL', () => {
  const cli = cliOn(POSTGRES_BACKEND);

  it('adds a user with the password from stdin, which then logs in', async () => {
    expect(await cli.ok(['user', 'add', 'alice', '--password-stdin'], `${PASSWORD}\n`)).toBe(
      'created user alice\n',
    );
    expect(await cli.login('alice', PASSWORD)).toEqual({ kind: 'user', name: 'alice', globalAdmin: false });
    await expect(cli.login('alice', 'wrong-password-1')).rejects.toThrow('invalid username or password');
  });

  it('adds a global admin with --admin', async () => {
    expect(await cli.ok(['user', 'add', 'root', '--admin', '--password-stdin'], PASSWORD)).toBe(
      'created global admin root\n',
    );
    expect(await cli.inspect((admin) => admin.user(OPERATOR, 'root'))).toMatchObject({ globalAdmin: true });
  });

  it('lists users as a table and as JSON, never with password hashes', async () => {
    await cli.ok(['user', 'add', 'lister', '--password-stdin'], PASSWORD);
    const table = (await cli.ok(['user', 'ls'])).split('\n');
    expect(table[0]).toMatch(/^NAME +ADMIN +CREATED$/);
    expect(table).toContainEqual(expect.stringMatching(/^lister +no +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/));
    const json = await cli.ok(['user', 'ls', '--json']);
    expect(JSON.parse(json)).toContainEqual({
      name: 'lister',
      globalAdmin: false,
      createdAt: expect.any(String),
    });
    expect(json + table.join('\n')).not.toMatch(/scrypt|hash/i);
  });

  it('changes a password, read from stdin', async () => {
    await cli.ok(['user', 'add', 'bob', '--password-stdin'], PASSWORD);
    expect(await cli.ok(['user', 'passwd', 'bob', '--password-stdin'], 'a-new-password-2\r\n')).toBe(
      'changed the password of bob\n',
    );
    await expect(cli.login('bob', 'a-new-password-2')).resolves.toMatchObject({ name: 'bob' });
    await expect(cli.login('bob', PASSWORD)).rejects.toThrow();
  });

  it('grants and withdraws global admin rights', async () => {
    await cli.ok(['user', 'add', 'carol', '--password-stdin'], PASSWORD);
    expect(await cli.ok(['user', 'admin', 'carol', '--on'])).toBe('carol is now a global admin\n');
    expect(await cli.inspect((admin) => admin.user(OPERATOR, 'carol'))).toMatchObject({ globalAdmin: true });
    expect(await cli.ok(['user', 'admin', 'carol', '--off'])).toBe('carol is no longer a global admin\n');
    expect(await cli.inspect((admin) => admin.user(OPERATOR, 'carol'))).toMatchObject({ globalAdmin: false });
  });

  it('deletes a user', async () => {
    await cli.ok(['user', 'add', 'dave', '--password-stdin'], PASSWORD);
    expect(await cli.ok(['user', 'rm', 'dave'])).toBe('deleted user dave\n');
    expect(await cli.ok(['user', 'ls'])).not.toMatch(/^dave /m);
    await expect(cli.login('dave', PASSWORD)).rejects.toThrow();
  });

  it('reports errors on stderr and exits non-zero, changing nothing', async () => {
    await cli.ok(['user', 'add', 'erin', '--password-stdin'], PASSWORD);
    const cases: [argv: string[], stdin: string, code: number, stderr: string][] = [
      [['user', 'add', 'erin', '--password-stdin'], PASSWORD, 1, 'error: user erin already exists'],
      [['user', 'add', 'gina', '--password-stdin'], 'short\n', 1, 'error: password must be between 12'],
      [['user', 'add', 'Gina', '--password-stdin'], PASSWORD, 1, 'error: user name must be lower-case'],
      [['user', 'add', 'gina', '--password-stdin'], '', 1, 'error: no password on stdin'],
      [['user', 'add', 'gina'], PASSWORD, 2, 'error: stdin is not a terminal: pass --password-stdin'],
      [['user', 'passwd', 'nobody', '--password-stdin'], PASSWORD, 1, 'error: no user nobody'],
      [['user', 'rm', 'nobody'], '', 1, 'error: no user nobody'],
      [['user', 'admin', 'nobody', '--on'], '', 1, 'error: no user nobody'],
      [['user', 'admin', 'erin'], '', 2, 'error: give exactly one of --on or --off'],
      [['user', 'admin', 'erin', '--on', '--off'], '', 2, 'error: give exactly one of --on or --off'],
      [['user', 'rm'], '', 2, 'error: missing <name>'],
      [['user', 'rm', 'erin', 'gina'], '', 2, 'error: unexpected argument "gina"'],
    ];
    for (const [argv, stdin, code, stderr] of cases) {
      expect(await cli.run(argv, stdin)).toEqual({
        code,
        stdout: '',
        stderr: expect.stringContaining(stderr),
      });
    }
    expect(JSON.parse(await cli.ok(['user', 'ls', '--json']))).toContainEqual(
      expect.objectContaining({ name: 'erin', globalAdmin: false }),
    );
    expect(await cli.ok(['user', 'ls'])).not.toMatch(/^gina /m);
  });
});
