import { createTestDatabase } from '@berth/testing/postgres';
import { migrate } from '../db/migrate';
import { PgDatabase } from '../db/pg-database';
import { PgliteDatabase } from '../db/pglite-database';
import type { SqlDatabase } from '../db/sql-database';
import { SqlMetadataStore } from '../store/sql-metadata-store';

/** A database for one test file, and what releases it once the database is closed. */
export interface TestSqlDatabase {
  db: SqlDatabase;
  dispose?(): Promise<void>;
}

/** A fresh database on the test PostgreSQL server. */
export async function openPostgresTestDatabase(): Promise<TestSqlDatabase> {
  const database = await createTestDatabase();
  return { db: new PgDatabase({ url: database.url }), dispose: () => database.drop() };
}

/** A fresh PGlite database in memory. */
export async function openPgliteTestDatabase(): Promise<TestSqlDatabase> {
  return { db: await PgliteDatabase.open() };
}

/** Every adapter, for tests of the SqlDatabase seam itself. */
export const testDatabases: [string, () => Promise<TestSqlDatabase>][] = [
  ['postgres', openPostgresTestDatabase],
  ['pglite', openPgliteTestDatabase],
];

/**
 * A migrated store on a fresh PostgreSQL test database, opened before the tests of the describe
 * block that calls this and closed after them; for what needs several connections at once.
 */
export function usePostgresTestStore(): () => { db: SqlDatabase; store: SqlMetadataStore } {
  let opened: { database: TestSqlDatabase; store: SqlMetadataStore } | undefined;
  beforeAll(async () => {
    const database = await openPostgresTestDatabase();
    await migrate(database.db);
    opened = { database, store: new SqlMetadataStore(database.db) };
  });
  afterAll(async () => {
    await opened?.store.close();
    await opened?.database.dispose?.();
  });
  return () => {
    if (!opened) throw new Error('the store is opened before the tests of its describe block');
    return { db: opened.database.db, store: opened.store };
  };
}
