import type { SqlClient, SqlDatabase } from '../db/sql-database';
import { recordChanges } from '../events/event-rows';
import type { BlobRecord } from '../model';
import { toBlobRecord, type BlobRow } from '../store/rows';
import type {
  GcReviews,
  QueueStats,
  RemovedLink,
  ReviewBatch,
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

  async reviewDueLinks(limit: number): Promise<ReviewBatch<RemovedLink>> {
    // Read without locks: each candidate is then claimed in its own transaction.
    const candidates = await this.db.query<LinkCandidate>(
      `SELECT g.repository_id, r.name AS repository, g.blob_digest
       FROM gc_link_reviews g JOIN repositories r ON r.id = g.repository_id
       WHERE g.review_after <= now()
       ORDER BY g.review_after
       LIMIT $1`,
      [limit],
    );
    const batch: ReviewBatch<RemovedLink> = { reviewed: 0, removed: [] };
    for (const candidate of candidates) {
      const outcome = await this.db.transaction((tx) => reviewLink(tx, candidate));
      if (outcome === 'skipped') continue;
      batch.reviewed += 1;
      if (outcome === 'removed') {
        batch.removed.push({ repository: candidate.repository, digest: candidate.blob_digest });
      }
    }
    return batch;
  }

  reviewDueBlobs(limit: number): Promise<ReviewBatch<BlobRecord>> {
    return this.db.transaction((tx) => reviewDueBlobs(tx, limit));
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
 * Reviews one link. The repository's lock comes first, as for every write that records events,
 * and is skipped rather than waited for: a repository being pushed to is reviewed on a later run.
 * A review claimed meanwhile by another process, or postponed, is skipped too.
 */
async function reviewLink(tx: SqlClient, candidate: LinkCandidate): Promise<'removed' | 'kept' | 'skipped'> {
  const { repository_id: repositoryId, repository, blob_digest: digest } = candidate;
  const locked = await tx.query('SELECT 1 FROM repositories WHERE id = $1 FOR NO KEY UPDATE SKIP LOCKED', [
    repositoryId,
  ]);
  if (locked.length === 0) return 'skipped';
  const claimed = await tx.query(
    `DELETE FROM gc_link_reviews
     WHERE repository_id = $1 AND blob_digest = $2 AND review_after <= now()
     RETURNING 1`,
    [repositoryId, digest],
  );
  // Postponed meanwhile (the blob was used again) or reviewed by another process.
  if (claimed.length === 0) return 'skipped';
  const [referenced] = await tx.query(
    `SELECT 1 FROM manifest_blobs mb JOIN manifests m ON m.id = mb.manifest_id
     WHERE m.repository_id = $1 AND mb.blob_digest = $2
     LIMIT 1`,
    [repositoryId, digest],
  );
  if (referenced) return 'kept';
  const unlinked = await tx.query(
    'DELETE FROM repository_blobs WHERE repository_id = $1 AND blob_digest = $2 RETURNING 1',
    [repositoryId, digest],
  );
  if (unlinked.length === 0) return 'kept';
  await recordChanges(tx, repository, [{ kind: 'blob.unlinked', digest }], GC_ACTOR);
  return 'removed';
}

/**
 * Claims up to `limit` due blob reviews and reviews them together. The references are read in a
 * statement after the one that locks the rows, so that it sees what committed while the lock
 * waited (a statement sees only what committed before it began).
 */
async function reviewDueBlobs(tx: SqlClient, limit: number): Promise<ReviewBatch<BlobRecord>> {
  const claimed = await tx.query<{ blob_digest: string }>(
    `DELETE FROM gc_blob_reviews WHERE blob_digest IN (
       SELECT blob_digest FROM gc_blob_reviews WHERE review_after <= now()
       ORDER BY review_after LIMIT $1 FOR UPDATE SKIP LOCKED
     )
     RETURNING blob_digest`,
    [limit],
  );
  if (claimed.length === 0) return { reviewed: 0, removed: [] };
  const digests = claimed.map((row) => row.blob_digest);
  // FOR UPDATE holds off any write that would link or reference these blobs (FOR KEY SHARE,
  // through its foreign keys) until this review ends. A blob a write holds already is skipped
  // rather than waited for, which could deadlock with a manifest taking several, and its review
  // queued again: the write may roll back and leave it unused.
  const locked = await tx.query<{ digest: string }>(
    'SELECT digest FROM blobs WHERE digest = ANY($1::text[]) FOR UPDATE SKIP LOCKED',
    [digests],
  );
  const lockedDigests = locked.map((row) => row.digest);
  const busy = await tx.query(
    `INSERT INTO gc_blob_reviews (blob_digest, review_after, reason)
     SELECT b.digest, berth_gc_due(), 'in use' FROM blobs b
     WHERE b.digest = ANY($1::text[]) AND b.digest <> ALL($2::text[])
     ON CONFLICT (blob_digest) DO NOTHING
     RETURNING 1`,
    [digests, lockedDigests],
  );
  const deleted = await tx.query<BlobRow>(
    `DELETE FROM blobs b
     WHERE b.digest = ANY($1::text[])
       AND NOT EXISTS (SELECT 1 FROM repository_blobs WHERE blob_digest = b.digest)
       AND NOT EXISTS (SELECT 1 FROM manifest_blobs WHERE blob_digest = b.digest)
     RETURNING b.digest, b.size, b.storage_key`,
    [lockedDigests],
  );
  return { reviewed: claimed.length - busy.length, removed: deleted.map(toBlobRecord).sort(byDigest) };
}

function byDigest(a: BlobRecord, b: BlobRecord): number {
  return a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0;
}
