import { createTestDatabase } from '@berth/testing/postgres';
import { PgDatabase } from '../db/pg-database';
import { PgliteDatabase } from '../db/pglite-database';
import type { SqlDatabase } from '../db/sql-database';

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
