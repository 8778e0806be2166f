import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { MIGRATIONS_DIRECTORY, type SqlClient } from '@berth/metadata-store';
import { CommandError } from '../command';

/** `unknown`: recorded in the database but not shipped with this version, so applied by a newer one. */
export type MigrationState = 'applied' | 'pending' | 'unknown';

export interface MigrationStatus {
  name: string;
  status: MigrationState;
  appliedAt?: Date;
}

/**
 * This version's migrations in the order they apply, then any others the database records.
 * The metadata store only applies migrations, so their records are read here, from the
 * `schema_migrations` table that its migrate() keeps, named as it names them: file names
 * without `.sql`.
 */
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

/** Throws unless every migration of this version is applied, saying how to apply them. */
export async function requireMigrated(db: SqlClient): Promise<void> {
  const migrations = await migrationStatus(db);
  const pending = migrations.filter((migration) => migration.status === 'pending');
  if (pending.length === 0) return;
  throw new CommandError(
    pending.length === migrations.length
      ? 'the metadata database has not been migrated; run "berth migrate" first'
      : `the metadata database lacks migrations ${pending.map((m) => m.name).join(', ')}; ` +
          'run "berth migrate" first',
  );
}

async function appliedMigrations(db: SqlClient): Promise<{ name: string; applied_at: Date }[]> {
  // The first migrate() creates the table: before it, selecting from it would fail.
  const [table] = await db.query<{ present: boolean }>(
    "SELECT to_regclass('schema_migrations') IS NOT NULL AS present",
  );
  if (!table?.present) return [];
  return db.query('SELECT name, applied_at FROM schema_migrations ORDER BY name');
}
