import { cliOn, EMBEDDED_BACKEND } from '../support/cli-harness';

// Every access command once on the embedded default, in the order an operator would set up a
// registry; the detailed behaviour of each is tested on PostgreSQL, through the same store code.
describe('access commands on embedded PGlite', () => {
  const cli = cliOn(EMBEDDED_BACKEND);

  it('sets up users, a namespace, members and a robot, and takes them down again', async () => {
    await cli.ok(['user', 'add', 'root', '--admin', '--password-stdin'], 'a-long-password-1\n');
    await cli.ok(['user', 'add', 'alice', '--password-stdin'], 'a-long-password-2\n');
    await cli.ok(['user', 'passwd', 'alice', '--password-stdin'], 'a-long-password-3\n');
    await cli.ok(['user', 'admin', 'alice', '--on']);
    expect(JSON.parse(await cli.ok(['user', 'ls', '--json']))).toMatchObject([
      { name: 'alice', globalAdmin: true },
      { name: 'root', globalAdmin: true },
    ]);
    await expect(cli.login('alice', 'a-long-password-3')).resolves.toMatchObject({ kind: 'user' });

    await cli.ok(['namespace', 'add', 'team']);
    await cli.ok(['namespace', 'set', 'team', '--public']);
    expect(await cli.ok(['namespace', 'ls'])).toMatch(/^team +public/m);
    await cli.ok(['member', 'set', 'team', 'alice', 'writer']);
    expect(await cli.ok(['member', 'ls', 'team'])).toMatch(/^alice +writer$/m);

    const robot = JSON.parse(
      await cli.ok(['robot', 'add', 'team', 'ci', '--actions', 'pull,push', '--json']),
    ) as { secret: string };
    await expect(cli.login('team+ci', robot.secret)).resolves.toMatchObject({ kind: 'robot' });
    await cli.ok(['robot', 'revoke', 'team', 'ci']);
    expect(await cli.ok(['robot', 'ls', 'team'])).toMatch(/revoked/);
    await expect(cli.login('team+ci', robot.secret)).rejects.toThrow();

    await cli.ok(['robot', 'rm', 'team', 'ci']);
    await cli.ok(['member', 'rm', 'team', 'alice']);
    await cli.ok(['namespace', 'rm', 'team']);
    await cli.ok(['user', 'rm', 'alice']);
    expect(JSON.parse(await cli.ok(['user', 'ls', '--json']))).toMatchObject([{ name: 'root' }]);
  }, 120_000);
});
