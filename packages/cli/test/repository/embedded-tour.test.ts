import { cliOn, EMBEDDED_BACKEND } from '../support/cli-harness';
import { pushImage } from '../support/registry-content';

// Every migrate and repository command once on the embedded default (bare `migrate` runs as
// `migrate up` does); the detailed behaviour of each is tested on PostgreSQL, through the same
// store code.
describe('migrate and repository commands on embedded PGlite', () => {
  const cli = cliOn(EMBEDDED_BACKEND);

  it('migrates a new database, then lists and inspects what was pushed', async () => {
    expect(await cli.ok(['migrate', 'up'])).toMatch(/^applied: /);
    expect(await cli.ok(['migrate', 'status'])).toMatch(/^\S+ +applied +\d{4}-\S+Z$/m);

    const image = await cli.metadata(({ store }) => pushImage(store, 'library/app', 'app', { tag: 'v1' }));
    expect(await cli.ok(['repo', 'ls'])).toBe('NAME\nlibrary/app\n');
    expect(await cli.ok(['tag', 'ls', 'library/app'])).toBe('TAG\nv1\n');
    expect(await cli.ok(['manifest', 'inspect', 'library/app', 'v1'])).toMatch(
      new RegExp(`^digest: +${image.digest}$`, 'm'),
    );
  }, 120_000);
});
