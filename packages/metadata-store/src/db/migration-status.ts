import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { MIGRATIONS_DIRECTORY } from './migrate';
import type { SqlClient } from './sql-database';

/** `unknown`: recorded in the database but not shipped with this version, so applied by a newer one. */
export type MigrationState = 'applied' | 'pending' | 'unknown';

export interface MigrationStatus {
  /** The migration's file name without `.sql`, as `schema_migrations` records it. */
  name: string;
  status: MigrationState;
  appliedAt?: Date;
}

/** This version's migrations in the order they apply, then any others the database records. */
export async function migrationStatus(
  db: SqlClient,
  directory = MIGRATIONS_DIRECTORY,
): Promise<MigrationStatus[]> {
  const files = (await readdir(directory)).filter((file) => file.endsWith('.sql')).sort();
  const names = files.map((file) => path.basename(file, '.sql'));
  const applied = new Map((await appliedMigrations(db)).map((row) => [row.name, row.applied_at]));
  const shipped = names.map((name): MigrationStatus => {
    const appliedAt = applied.get(name);
    return appliedAt ? { name, status: 'applied', appliedAt } : { name, status: 'pending' };
  });
  const unknown = [...applied]
    .filter(([name]) => !names.includes(name))
    .map(([name, appliedAt]): MigrationStatus => ({ name, status: 'unknown', appliedAt }));
  return [...shipped, ...unknown];
}

async function appliedMigrations(db: SqlClient): Promise<{ name: string; applied_at: Date }[]> {
  // The first migrate() creates the table: before it, selecting from it would fail.
  const [table] = await db.query<{ present: boolean }>(
    "SELECT to_regclass('schema_migrations') IS NOT NULL AS present",
  );
  if (!table?.present) return [];
  return db.query('SELECT name, applied_at FROM schema_migrations ORDER BY name');
}
