import { OPERATOR } from '@berth/core';
import { cliOn, POSTGRES_BACKEND } from '../support/cli-harness';

describe('namespace commands on PostgreSQL', () => {
  const cli = cliOn(POSTGRES_BACKEND);

  it('adds private and public namespaces and lists them', async () => {
    expect(await cli.ok(['namespace', 'add', 'team'])).toBe('created private namespace team\n');
    expect(await cli.ok(['namespace', 'add', 'library', '--public'])).toBe(
      'created public namespace library\n',
    );
    const table = (await cli.ok(['namespace', 'ls'])).split('\n');
    expect(table[0]).toMatch(/^NAME +VISIBILITY +CREATED$/);
    expect(table).toContainEqual(expect.stringMatching(/^library +public +\d{4}-/));
    expect(table).toContainEqual(expect.stringMatching(/^team +private +\d{4}-/));
    expect(JSON.parse(await cli.ok(['namespace', 'ls', '--json']))).toEqual(
      expect.arrayContaining([
        { name: 'library', public: true, createdAt: expect.any(String) },
        { name: 'team', public: false, createdAt: expect.any(String) },
      ]),
    );
  });

  it('makes a namespace public and private again', async () => {
    await cli.ok(['namespace', 'add', 'flip']);
    expect(await cli.ok(['namespace', 'set', 'flip', '--public'])).toBe('namespace flip is now public\n');
    expect(await cli.inspect((admin) => admin.namespace(OPERATOR, 'flip'))).toMatchObject({ public: true });
    expect(await cli.ok(['namespace', 'set', 'flip', '--private'])).toBe('namespace flip is now private\n');
    expect(await cli.inspect((admin) => admin.namespace(OPERATOR, 'flip'))).toMatchObject({ public: false });
  });

  it('deletes a namespace', async () => {
    await cli.ok(['namespace', 'add', 'gone']);
    expect(await cli.ok(['namespace', 'rm', 'gone'])).toBe(
      'deleted namespace gone with its members and robots\n',
    );
    expect(await cli.ok(['namespace', 'ls'])).not.toMatch(/^gone /m);
  });

  it('reports errors on stderr and exits non-zero', async () => {
    await cli.ok(['namespace', 'add', 'taken']);
    const cases: [argv: string[], code: number, stderr: string][] = [
      [['namespace', 'add', 'taken'], 1, 'error: namespace taken already exists'],
      [['namespace', 'add', 'Not/Valid'], 1, 'error: invalid namespace "Not/Valid"'],
      [['namespace', 'set', 'nowhere', '--public'], 1, 'error: no namespace nowhere'],
      [['namespace', 'set', 'taken'], 2, 'error: give exactly one of --public or --private'],
      [['namespace', 'rm', 'nowhere'], 1, 'error: no namespace nowhere'],
      [['namespace', 'ls', '--all'], 2, "error: Unknown option '--all'"],
    ];
    for (const [argv, code, stderr] of cases) {
      expect(await cli.run(argv)).toEqual({ code, stdout: '', stderr: expect.stringContaining(stderr) });
    }
  });
});
