import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { smallBlob } from '../oci/payload';
import { now } from '../util/units';
import type { GcDeployment } from './gc-deployment';
import { settleDiskAndDatabase } from './gc-database';
import { objectFolder, storageKeyOf } from './object-layout';

/** Blobs that nothing links or references, each with a review queued, in a deployment. */
export interface Backlog {
  repository: string;
  digests: string[];
  /** Their objects' file names in `folder`. */
  names: string[];
  folder: string;
  size: number;
}

/** A backlog written but not yet visible: its rows wait in an open transaction. */
export interface StagedBacklog {
  backlog: Backlog;
  /** The object folder's modification time once staged: the first delete changes it. */
  folderMtimeMs: number;
  /** How long writing the objects and rows took, in ms. */
  stagingMs: number;
  /** Commits the rows and reviews, which are then due; resolves with when the commit was answered. */
  commit(): Promise<number>;
  abort(): Promise<void>;
}

export interface BacklogOptions {
  repository: string;
  count: number;
  size: number;
  seed: string;
}

/**
 * Writes `count` distinct blobs of `size` bytes as Berth would have after as many monolithic
 * pushes to `repository` and as many `DELETE /v2/<name>/blobs/<digest>`, without the requests
 * (100,000 of each would take minutes): each object written at a fresh `blobs/<uuid>` key where
 * the filesystem store keeps it, and in one transaction the blob rows, then the repository's
 * links (the schema's trigger queues a review of each), then the links deleted (the trigger
 * queues a review of each blob). The reviews are the schema's own; they are then made due at the
 * commit, as they are once the review delay has passed (with a delay of 0 they already are). Only
 * the events those requests would have recorded are missing, which GC does not read. Then what
 * the tables hold is analyzed, as autovacuum would after such an insert, and every dirty page,
 * the kernel's and PostgreSQL's, is written out, so the reclaim pays for none of the staging.
 */
export async function stageUnlinkedBlobs(
  deployment: GcDeployment,
  options: BacklogOptions,
): Promise<StagedBacklog> {
  if (options.size < 8) throw new Error('backlog blobs must be at least 8 bytes');
  const started = now();
  const folder = objectFolder(deployment.blobRoot);
  mkdirSync(folder, { recursive: true });
  const template = smallBlob(options.seed, options.size).bytes;
  const digests: string[] = [];
  const names: string[] = [];
  // Synchronous writes: for 100,000 small files far quicker than a promise and a thread-pool trip each.
  for (let i = 0; i < options.count; i++) {
    const bytes = Buffer.from(template);
    bytes.writeDoubleBE(i, 0);
    const name = randomUUID();
    writeFileSync(join(folder, name), bytes);
    digests.push(`sha256:${createHash('sha256').update(bytes).digest('hex')}`);
    names.push(name);
  }
  const client = new Client({ connectionString: deployment.databaseUrl });
  // Dropping the database at the end of a failed run ends this connection; that is no error here.
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('BEGIN');
    await insertUnlinked(client, options, digests, names);
    await client.query('ANALYZE blobs, repository_blobs, gc_link_reviews, gc_blob_reviews');
    await settleDiskAndDatabase(deployment.databaseUrl);
  } catch (error) {
    await client.end();
    throw error;
  }
  const backlog: Backlog = { repository: options.repository, digests, names, folder, size: options.size };
  return {
    backlog,
    folderMtimeMs: statSync(folder).mtimeMs,
    stagingMs: now() - started,
    async commit() {
      try {
        await client.query('COMMIT');
        return now();
      } finally {
        await client.end();
      }
    },
    async abort() {
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end();
    },
  };
}

async function insertUnlinked(
  client: Client,
  options: BacklogOptions,
  digests: string[],
  names: string[],
): Promise<void> {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO repositories (name) VALUES ($1)
     ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id`,
    [options.repository],
  );
  const repositoryId = rows[0]?.id;
  if (repositoryId === undefined) throw new Error(`no repository ${options.repository}`);
  await client.query(
    `INSERT INTO blobs (digest, size, storage_key)
     SELECT d, $3, k FROM unnest($1::text[], $2::text[]) AS u(d, k)`,
    [digests, names.map(storageKeyOf), options.size],
  );
  // What an upload leaves (berth_add_blob links the blob), then what DELETE .../blobs/<digest> does.
  const linked = await client.query(
    'INSERT INTO repository_blobs (repository_id, blob_digest) SELECT $1, unnest($2::text[])',
    [repositoryId, digests],
  );
  const unlinked = await client.query('DELETE FROM repository_blobs WHERE repository_id = $1', [
    repositoryId,
  ]);
  if (linked.rowCount !== digests.length || unlinked.rowCount !== digests.length)
    throw new Error(
      `linked ${linked.rowCount} and unlinked ${unlinked.rowCount} blobs, not ${digests.length}`,
    );
  // As if queued a review delay ago: due from the commit on. Only where a delay applies, so that
  // with none no row gets a second version for GC to step over.
  await client.query(
    'UPDATE gc_link_reviews SET review_after = now() WHERE repository_id = $1 AND review_after > now()',
    [repositoryId],
  );
  await client.query(
    'UPDATE gc_blob_reviews SET review_after = now() WHERE blob_digest = ANY ($1::text[]) AND review_after > now()',
    [digests],
  );
}
