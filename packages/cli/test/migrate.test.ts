import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { migrate, MIGRATIONS_DIRECTORY } from '@berth/metadata-store';
import { cliOn, POSTGRES_BACKEND } from './support/cli-harness';

const NOT_MIGRATED = 'error: the metadata database has not been migrated; run "berth migrate" first\n';
const TIME = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ';

async function migrationNames(): Promise<string[]> {
  const files = await readdir(MIGRATIONS_DIRECTORY);
  return files
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => path.basename(file, '.sql'));
}

describe('migrate commands on PostgreSQL', () => {
  describe('on a database never migrated', () => {
    const cli = cliOn(POSTGRES_BACKEND);

    it('refuses to read it, and leaves it as it was', async () => {
      for (const argv of [
        ['repo', 'ls'],
        ['tag', 'ls', 'app'],
        ['manifest', 'inspect', 'app', 'v1'],
      ]) {
        expect(await cli.run(argv)).toEqual({ code: 1, stdout: '', stderr: NOT_MIGRATED });
      }
      expect(await cli.metadata(({ db }) => db.query("SELECT to_regclass('repositories') AS t"))).toEqual([
        { t: null },
      ]);
    });

    it('lists every migration as pending, exiting 3, until migrate up applies them', async () => {
      const names = await migrationNames();
      const pending = await cli.run(['migrate', 'status']);
      expect(pending).toMatchObject({ code: 3, stderr: '' });
      expect(pending.stdout.split('\n')).toEqual([
        expect.stringMatching(/^MIGRATION +STATUS +APPLIED$/),
        ...names.map((name) => expect.stringMatching(new RegExp(`^${name} +pending +-$`))),
        '',
      ]);

      expect(await cli.ok(['migrate', 'up'])).toBe(`applied: ${names.join(', ')}\n`);
      expect(await cli.ok(['migrate'])).toBe('metadata schema is up to date\n');
      expect(await cli.ok(['migrate', 'up'])).toBe('metadata schema is up to date\n');

      const applied = await cli.ok(['migrate', 'status']);
      for (const name of names) expect(applied).toMatch(new RegExp(`^${name} +applied +${TIME}$`, 'm'));
      expect(JSON.parse(await cli.ok(['migrate', 'status', '--json']))).toEqual(
        names.map((name) => ({ name, status: 'applied', appliedAt: expect.stringMatching(/^\d{4}-/) })),
      );
    });
  });

  describe('on a database an older or a newer version migrated', () => {
    const cli = cliOn(POSTGRES_BACKEND);
    let dir: string;

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'berth-migrations-'));
      const [first] = await migrationNames();
      await copyFile(path.join(MIGRATIONS_DIRECTORY, `${first}.sql`), path.join(dir, `${first}.sql`));
      await cli.metadata(({ db }) => migrate(db, dir));
    });

    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('names the migrations it lacks, and applies just those', async () => {
      const [first, ...rest] = await migrationNames();
      expect(await cli.run(['repo', 'ls'])).toEqual({
        code: 1,
        stdout: '',
        stderr: `error: the metadata database lacks migrations ${rest.join(', ')}; run "berth migrate" first\n`,
      });
      const status = await cli.run(['migrate', 'status']);
      expect(status.code).toBe(3);
      expect(status.stdout).toMatch(new RegExp(`^${first} +applied +${TIME}$`, 'm'));
      for (const name of rest) expect(status.stdout).toMatch(new RegExp(`^${name} +pending +-$`, 'm'));
      expect(await cli.ok(['migrate'])).toBe(`applied: ${rest.join(', ')}\n`);
    });

    it('lists migrations only a newer version knows as unknown', async () => {
      await cli.metadata(({ db }) =>
        db.query("INSERT INTO schema_migrations (name) VALUES ('99991231000000_future')"),
      );
      expect(await cli.ok(['migrate', 'status'])).toMatch(
        new RegExp(`\\n99991231000000_future +unknown +${TIME}\\n$`),
      );
      expect(await cli.ok(['repo', 'ls'])).toBe('NAME\n');
    });
  });
});
