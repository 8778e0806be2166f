import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SqlClient, SqlDatabase } from './sql-database';

/** The package's migrations, found the same way from src (tests) and dist (runtime). */
export const MIGRATIONS_DIRECTORY = path.join(packageRoot(__dirname), 'migrations');

// Any fixed number will do, as long as nothing else in the database takes the same advisory lock.
const MIGRATION_LOCK = 5_942_117_391;

/**
 * Applies, in file-name order, the .sql files of `directory` not yet recorded in
 * `schema_migrations`, each in its own transaction. Every transaction takes the same advisory
 * lock and checks the record again, so processes migrating at once apply each file exactly once.
 * Returns the names (file names without .sql) of the migrations this call applied.
 */
export async function migrate(db: SqlDatabase, directory = MIGRATIONS_DIRECTORY): Promise<string[]> {
  const files = (await readdir(directory)).filter((file) => file.endsWith('.sql')).sort();
  await db.transaction(async (tx) => {
    await lockMigrations(tx);
    await tx.execute(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        name text PRIMARY KEY,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
  });
  const recorded = await db.query<{ name: string }>('SELECT name FROM schema_migrations');
  const done = new Set(recorded.map((row) => row.name));

  const applied: string[] = [];
  for (const file of files) {
    const name = path.basename(file, '.sql');
    if (done.has(name)) continue;
    const script = await readFile(path.join(directory, file), 'utf8');
    if (await db.transaction((tx) => applyOnce(tx, name, script))) applied.push(name);
  }
  return applied;
}

async function applyOnce(tx: SqlClient, name: string, script: string): Promise<boolean> {
  await lockMigrations(tx);
  const [recorded] = await tx.query('SELECT 1 FROM schema_migrations WHERE name = $1', [name]);
  if (recorded) return false;
  await tx.execute(script);
  await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
  return true;
}

/**
 * Held until the transaction ends. A migration may take long (an index on a large table), and so
 * may waiting here for another process's: neither has a deadline, for this transaction only.
 */
async function lockMigrations(tx: SqlClient): Promise<void> {
  await tx.execute(`SET LOCAL statement_timeout = 0; SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
}

function packageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (dir === path.dirname(dir)) throw new Error(`no package.json above ${from}`);
  }
}
