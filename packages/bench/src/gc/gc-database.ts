import { Client } from 'pg';
import { settleDisk } from '../process/settle-disk';

/** Runs `work` on a connection of its own to a Berth database, closed afterwards. */
export async function withDatabase<T>(databaseUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** True while either review queue holds a row, due or not. */
export async function reviewsQueued(client: Client): Promise<boolean> {
  const { rows } = await client.query<{ queued: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM gc_link_reviews) OR EXISTS (SELECT 1 FROM gc_blob_reviews) AS queued`,
  );
  return rows[0]?.queued ?? false;
}

/** How many of `digests` still have a blob row. */
export async function blobRowsLeft(client: Client, digests: readonly string[]): Promise<number> {
  const { rows } = await client.query<{ left: number }>(
    'SELECT count(*)::int AS left FROM blobs WHERE digest = ANY ($1::text[])',
    [digests],
  );
  return rows[0]?.left ?? 0;
}

/** The PostgreSQL backends connected to the database now: whose CPU a GC run spends. */
export async function backendPids(client: Client): Promise<number[]> {
  const { rows } = await client.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
  );
  return rows.map((row) => row.pid);
}

/**
 * Writes out every dirty page, the kernel's and PostgreSQL's (those of a transaction still open
 * too), so that what comes next pays for none of what came before: as every run starts.
 */
export async function settleDiskAndDatabase(databaseUrl: string): Promise<void> {
  await settleDisk();
  await withDatabase(databaseUrl, (client) => client.query('CHECKPOINT'));
}
