import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '@berth/testing/postgres';
import { migrate, MIGRATIONS_DIRECTORY } from './migrate';
import { PgDatabase } from './pg-database';

const PROCESSES = 4;

it('finds the package migrations beside src and dist', async () => {
  expect(MIGRATIONS_DIRECTORY).toBe(path.resolve(__dirname, '../../migrations'));
  expect(await readdir(MIGRATIONS_DIRECTORY)).toContain('20261122000000_initial.sql');
});

describe('migrate', () => {
  let server: TestDatabase;
  let databases: PgDatabase[];
  let directory: string;

  beforeEach(async () => {
    server = await createTestDatabase();
    // Separate pools stand for separate processes starting at once.
    databases = Array.from({ length: PROCESSES }, () => new PgDatabase({ url: server.url, poolSize: 2 }));
    directory = await mkdtemp(path.join(tmpdir(), 'berth-migrations-'));
  });

  afterEach(async () => {
    await Promise.all(databases.map((db) => db.close()));
    await server.drop();
    await rm(directory, { recursive: true, force: true });
  });

  async function writeMigrations(files: Record<string, string>): Promise<void> {
    for (const [file, sql] of Object.entries(files)) await writeFile(path.join(directory, file), sql);
  }

  it('applies the package migrations once, then has nothing to do', async () => {
    const [db] = databases;
    expect(await migrate(db!)).toEqual([
      '20261122000000_initial',
      '20261123000000_access',
      '20261124000000_add_blob_function',
      '20261125000000_manifest_annotations_json',
      '20261204000000_events',
      '20261205000000_gc_reviews',
      '20261206000000_blob_storage_keys',
      '20261207000000_gc_manifest_reviews',
    ]);
    expect(await migrate(db!)).toEqual([]);
  });

  it('applies pending files in name order, each exactly once across concurrent processes', async () => {
    // Not idempotent on purpose: a second run of any file would fail or add a second row.
    await writeMigrations({
      '20260101000002_second.sql': "INSERT INTO runs VALUES ('second'); SELECT pg_sleep(0.1);",
      '20260101000001_first.sql': "CREATE TABLE runs (name text); INSERT INTO runs VALUES ('first');",
      '20260101000003_third.sql': "CREATE TABLE third (id int); INSERT INTO runs VALUES ('third');",
      'README.md': 'not a migration',
    });

    const results = await Promise.all(databases.map((db) => migrate(db, directory)));

    expect(results.flat().sort()).toEqual([
      '20260101000001_first',
      '20260101000002_second',
      '20260101000003_third',
    ]);
    for (const applied of results) expect(applied).toEqual([...applied].sort());
    const [db] = databases;
    expect(await db!.query('SELECT name FROM runs')).toEqual([
      { name: 'first' },
      { name: 'second' },
      { name: 'third' },
    ]);
    expect(await db!.query('SELECT name FROM schema_migrations ORDER BY name')).toHaveLength(3);
  });

  it('records nothing of a migration that fails, and stops there', async () => {
    await writeMigrations({
      '20260101000001_good.sql': 'CREATE TABLE good (id int);',
      '20260101000002_bad.sql': 'CREATE TABLE half (id int); SELECT no_such_function();',
      '20260101000003_later.sql': 'CREATE TABLE later (id int);',
    });
    const [db] = databases;

    await expect(migrate(db!, directory)).rejects.toMatchObject({ code: '42883' });

    expect(await db!.query('SELECT name FROM schema_migrations')).toEqual([{ name: '20260101000001_good' }]);
    expect(await db!.query("SELECT to_regclass('half') AS half, to_regclass('later') AS later")).toEqual([
      { half: null, later: null },
    ]);
  });
});
