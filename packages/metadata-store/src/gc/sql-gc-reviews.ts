import type { SqlClient, SqlDatabase } from '../db/sql-database';
import { recordChanges } from '../events/event-rows';
import type { BlobRecord } from '../model';
import { toBlobRecord, type BlobRow } from '../store/rows';
import type {
  GcReviews,
  QueueStats,
  RemovedLink,
  ReviewPreview,
  ReviewQueueStats,
  ReviewTiming,
} from './gc-reviews';
import { previewDueReviews } from './review-preview';

/** Who garbage collection's changes are recorded as. */
const GC_ACTOR = { actor: 'gc' };

interface LinkCandidate {
  repository_id: number;
  repository: string;
  blob_digest: string;
}

/** The review queues in the registry's SQL database. */
export class SqlGcReviews implements GcReviews {
  constructor(private readonly db: SqlDatabase) {}

  async configure({ reviewDelaySeconds, reviewJitterSeconds }: ReviewTiming): Promise<void> {
    await this.db.query(
      `INSERT INTO gc_settings (review_delay, review_jitter)
       VALUES (make_interval(secs => $1), make_interval(secs => $2))
       ON CONFLICT (singleton) DO UPDATE
         SET review_delay = excluded.review_delay, review_jitter = excluded.review_jitter`,
      [reviewDelaySeconds, reviewJitterSeconds],
    );
  }

  async reviewDueLinks(limit: number): Promise<RemovedLink[]> {
    // Read without locks: each candidate is then claimed in its own transaction.
    const candidates = await this.db.query<LinkCandidate>(
      `SELECT g.repository_id, r.name AS repository, g.blob_digest
       FROM gc_link_reviews g JOIN repositories r ON r.id = g.repository_id
       WHERE g.review_after <= now()
       ORDER BY g.review_after
       LIMIT $1`,
      [limit],
    );
    const removed: RemovedLink[] = [];
    for (const candidate of candidates) {
      if (await this.db.transaction((tx) => reviewLink(tx, candidate))) {
        removed.push({ repository: candidate.repository, digest: candidate.blob_digest });
      }
    }
    return removed;
  }

  async reviewDueBlobs(limit: number): Promise<BlobRecord[]> {
    const deleted: BlobRecord[] = [];
    for (let reviewed = 0; reviewed < limit; reviewed++) {
      const outcome = await this.db.transaction(reviewNextBlob);
      if (outcome === 'none due') break;
      if (outcome !== 'kept') deleted.push(outcome);
    }
    return deleted;
  }

  previewDueReviews(): Promise<ReviewPreview> {
    return previewDueReviews(this.db);
  }

  async stats(): Promise<ReviewQueueStats> {
    const [row] = await this.db.query<StatsRow>(STATS_SQL);
    if (!row) throw new Error('the queue statistics query returned no row');
    return {
      at: row.at,
      timing: { reviewDelaySeconds: row.delay_seconds, reviewJitterSeconds: row.jitter_seconds },
      links: queueStats(row.links_queued, row.links_due, row.links_oldest_due_at, row.links_next_due_at),
      blobs: {
        ...queueStats(row.blobs_queued, row.blobs_due, row.blobs_oldest_due_at, row.blobs_next_due_at),
        dueBytes: row.blobs_due_bytes,
      },
    };
  }
}

interface StatsRow {
  at: Date;
  delay_seconds: number;
  jitter_seconds: number;
  links_queued: number;
  links_due: number;
  links_oldest_due_at: Date | null;
  links_next_due_at: Date | null;
  blobs_queued: number;
  blobs_due: number;
  blobs_oldest_due_at: Date | null;
  blobs_next_due_at: Date | null;
  blobs_due_bytes: number;
}

function queueStats(
  queued: number,
  due: number,
  oldestDueAt: Date | null,
  nextDueAt: Date | null,
): QueueStats {
  return { queued, due, ...(oldestDueAt ? { oldestDueAt } : {}), ...(nextDueAt ? { nextDueAt } : {}) };
}

// Counts and times by one clock, read in one snapshot; the minima are index scans.
const STATS_SQL = `
WITH settings AS (
  SELECT now() AS at,
         extract(epoch FROM coalesce(s.review_delay, interval '24 hours'))::float8 AS delay_seconds,
         extract(epoch FROM coalesce(s.review_jitter, interval '1 hour'))::float8 AS jitter_seconds
  FROM (SELECT 1) AS one LEFT JOIN gc_settings s ON true
)
SELECT at, delay_seconds, jitter_seconds,
  (SELECT count(*)::int FROM gc_link_reviews) AS links_queued,
  (SELECT count(*)::int FROM gc_link_reviews WHERE review_after <= at) AS links_due,
  (SELECT min(review_after) FROM gc_link_reviews WHERE review_after <= at) AS links_oldest_due_at,
  (SELECT min(review_after) FROM gc_link_reviews WHERE review_after > at) AS links_next_due_at,
  (SELECT count(*)::int FROM gc_blob_reviews) AS blobs_queued,
  (SELECT count(*)::int FROM gc_blob_reviews WHERE review_after <= at) AS blobs_due,
  (SELECT min(review_after) FROM gc_blob_reviews WHERE review_after <= at) AS blobs_oldest_due_at,
  (SELECT min(review_after) FROM gc_blob_reviews WHERE review_after > at) AS blobs_next_due_at,
  (SELECT coalesce(sum(b.size), 0)::int8 FROM gc_blob_reviews g JOIN blobs b ON b.digest = g.blob_digest
   WHERE g.review_after <= at) AS blobs_due_bytes
FROM settings`;

/**
 * Reviews one link; true when it removed it. The repository's lock comes first, as for every
 * write that records events, and is skipped rather than waited for: a repository being pushed to
 * is reviewed on a later run.
 */
async function reviewLink(tx: SqlClient, candidate: LinkCandidate): Promise<boolean> {
  const { repository_id: repositoryId, repository, blob_digest: digest } = candidate;
  const locked = await tx.query('SELECT 1 FROM repositories WHERE id = $1 FOR NO KEY UPDATE SKIP LOCKED', [
    repositoryId,
  ]);
  if (locked.length === 0) return false;
  const claimed = await tx.query(
    `DELETE FROM gc_link_reviews
     WHERE repository_id = $1 AND blob_digest = $2 AND review_after <= now()
     RETURNING 1`,
    [repositoryId, digest],
  );
  // Postponed meanwhile (the blob was used again) or reviewed by another process.
  if (claimed.length === 0) return false;
  const [referenced] = await tx.query(
    `SELECT 1 FROM manifest_blobs mb JOIN manifests m ON m.id = mb.manifest_id
     WHERE m.repository_id = $1 AND mb.blob_digest = $2
     LIMIT 1`,
    [repositoryId, digest],
  );
  if (referenced) return false;
  const unlinked = await tx.query(
    'DELETE FROM repository_blobs WHERE repository_id = $1 AND blob_digest = $2 RETURNING 1',
    [repositoryId, digest],
  );
  if (unlinked.length === 0) return false;
  await recordChanges(tx, repository, [{ kind: 'blob.unlinked', digest }], GC_ACTOR);
  return true;
}

/** Claims and reviews the next due blob. */
async function reviewNextBlob(tx: SqlClient): Promise<BlobRecord | 'kept' | 'none due'> {
  const [claimed] = await tx.query<{ blob_digest: string }>(
    `DELETE FROM gc_blob_reviews WHERE blob_digest = (
       SELECT blob_digest FROM gc_blob_reviews WHERE review_after <= now()
       ORDER BY review_after LIMIT 1 FOR UPDATE SKIP LOCKED
     )
     RETURNING blob_digest`,
  );
  if (!claimed) return 'none due';
  // FOR UPDATE waits for a write that is linking or referencing the blob (FOR KEY SHARE) to end,
  // and holds off any new one until this review ends.
  const [blob] = await tx.query<BlobRow>(
    'SELECT digest, size, storage_key FROM blobs WHERE digest = $1 FOR UPDATE',
    [claimed.blob_digest],
  );
  if (!blob) return 'kept';
  const [referenced] = await tx.query(
    `SELECT 1 WHERE EXISTS (SELECT 1 FROM repository_blobs WHERE blob_digest = $1)
                 OR EXISTS (SELECT 1 FROM manifest_blobs WHERE blob_digest = $1)`,
    [blob.digest],
  );
  if (referenced) return 'kept';
  await tx.query('DELETE FROM blobs WHERE digest = $1', [blob.digest]);
  return toBlobRecord(blob);
}
