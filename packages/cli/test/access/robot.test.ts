import { cliOn, POSTGRES_BACKEND } from '../support/cli-harness';

describe('robot commands on PostgreSQL', () => {
  const cli = cliOn(POSTGRES_BACKEND);

  beforeAll(() => cli.ok(['namespace', 'add', 'team']));

  it('adds a robot, printing its login and its secret once, which logs in', async () => {
    const output = await cli.ok(['robot', 'add', 'team', 'ci', '--actions', 'pull,push']);
    expect(output).toMatch(/^created robot team\+ci, allowed to pull, push\n/);
    expect(output).toMatch(/^ {2}login: {2}team\+ci$/m);
    expect(output).toContain('it will not be shown again');
    const secret = /^ {2}secret: (\S+)$/m.exec(output)?.[1] ?? '';
    expect(await cli.login('team+ci', secret)).toEqual({
      kind: 'robot',
      namespace: 'team',
      name: 'ci',
      actions: ['pull', 'push'],
    });
  });

  it('adds a robot with a description and an expiry, printing JSON with --json', async () => {
    const before = Date.now();
    const created = JSON.parse(
      await cli.ok([
        'robot',
        'add',
        'team',
        'nightly',
        '--actions',
        'pull',
        '--description',
        'nightly builds',
        '--expires-in-days',
        '7',
        '--json',
      ]),
    ) as { robot: Record<string, unknown>; secret: string };
    expect(created.robot).toEqual({
      namespace: 'team',
      name: 'nightly',
      account: 'team+nightly',
      actions: ['pull'],
      description: 'nightly builds',
      createdAt: expect.any(String),
      expiresAt: expect.any(String),
    });
    const expiresIn = Date.parse(created.robot.expiresAt as string) - before;
    expect(expiresIn).toBeGreaterThanOrEqual(7 * 86_400_000);
    expect(expiresIn).toBeLessThan(7 * 86_400_000 + 60_000);
    await expect(cli.login('team+nightly', created.secret)).resolves.toMatchObject({ kind: 'robot' });
  });

  it('lists robots, never with secret hashes', async () => {
    await cli.ok(['robot', 'add', 'team', 'lister', '--actions', 'pull', '--description', 'lists things']);
    const table = (await cli.ok(['robot', 'ls', 'team'])).split('\n');
    expect(table[0]).toMatch(/^ACCOUNT +ACTIONS +STATUS +EXPIRES +CREATED +DESCRIPTION$/);
    expect(table).toContainEqual(
      expect.stringMatching(/^team\+lister +pull +active +- +\d{4}-\S+ +lists things$/),
    );
    const json = await cli.ok(['robot', 'ls', 'team', '--json']);
    expect(JSON.parse(json)).toContainEqual(
      expect.objectContaining({ account: 'team+lister', actions: ['pull'] }),
    );
    expect(json + table.join('\n')).not.toMatch(/scrypt|hash|secret/i);
  });

  it('revokes a robot, which then cannot log in', async () => {
    const { secret } = JSON.parse(
      await cli.ok(['robot', 'add', 'team', 'old', '--actions', 'pull', '--json']),
    ) as { secret: string };
    expect(await cli.ok(['robot', 'revoke', 'team', 'old'])).toBe('revoked robot old of team\n');
    expect(await cli.ok(['robot', 'ls', 'team'])).toMatch(/^team\+old +pull +revoked /m);
    await expect(cli.login('team+old', secret)).rejects.toThrow('invalid username or password');
  });

  it('deletes a robot', async () => {
    await cli.ok(['robot', 'add', 'team', 'temp', '--actions', 'pull']);
    expect(await cli.ok(['robot', 'rm', 'team', 'temp'])).toBe('deleted robot temp of team\n');
    expect(await cli.ok(['robot', 'ls', 'team'])).not.toMatch(/^team\+temp /m);
  });

  it('reports errors on stderr and exits non-zero', async () => {
    await cli.ok(['robot', 'add', 'team', 'taken', '--actions', 'pull']);
    const cases: [argv: string[], code: number, stderr: string][] = [
      [
        ['robot', 'add', 'team', 'taken', '--actions', 'pull'],
        1,
        'error: robot taken already exists in team',
      ],
      [['robot', 'add', 'nowhere', 'ci', '--actions', 'pull'], 1, 'error: no namespace nowhere'],
      [
        ['robot', 'add', 'team', 'x', '--actions', 'pull,fly'],
        1,
        'error: actions must be a non-empty list of',
      ],
      [['robot', 'add', 'team', 'x'], 2, 'error: --actions is required'],
      [
        ['robot', 'add', 'team', 'x', '--actions', 'pull', '--expires-in-days', '0'],
        2,
        'error: --expires-in-days',
      ],
      [
        ['robot', 'add', 'team', 'x', '--actions', 'pull', '--expires-in-days', '1e9'],
        2,
        'error: --expires-in-days',
      ],
      [['robot', 'revoke', 'team', 'nobody'], 1, 'error: no robot nobody in team'],
      [['robot', 'rm', 'team', 'nobody'], 1, 'error: no robot nobody in team'],
      [['robot', 'ls', 'nowhere'], 1, 'error: no namespace nowhere'],
    ];
    for (const [argv, code, stderr] of cases) {
      expect(await cli.run(argv)).toEqual({ code, stdout: '', stderr: expect.stringContaining(stderr) });
    }
    expect(await cli.ok(['robot', 'ls', 'team'])).not.toMatch(/^team\+x /m);
  });
});
