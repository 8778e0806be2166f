import type { SqlClient, SqlDatabase } from '../db/sql-database';
import { recordChanges } from '../events/event-rows';
import type { BlobRecord } from '../model';
import { toBlobRecord, type BlobRow } from '../store/rows';
import type {
  GcReviews,
  GcSettings,
  QueueStats,
  RemovedManifest,
  RemovedLink,
  ReviewBatch,
  ReviewPreview,
  ReviewQueueStats,
} from './gc-reviews';
import { previewDueReviews } from './review-preview';
import { unreachableManifests } from './unreachable-manifests';

/** Who garbage collection's changes are recorded as. */
const GC_ACTOR = { actor: 'gc' };

interface ManifestCandidate {
  manifest_id: number;
  /** Null when the manifest is gone: its review was queued by a cascade that deleted it. */
  repository_id: number | null;
  repository: string | null;
}

interface LinkCandidates {
  repository_id: number;
  repository: string;
  digests: string[];
}

/** The review queues in the registry's SQL database. */
export class SqlGcReviews implements GcReviews {
  constructor(private readonly db: SqlDatabase) {}

  configure({ reviewDelaySeconds, reviewJitterSeconds, untaggedManifests }: GcSettings): Promise<void> {
    return this.db.transaction(async (tx) => {
      const [before] = await tx.query<{ untagged_manifests: boolean }>(
        'SELECT untagged_manifests FROM gc_settings FOR UPDATE',
      );
      const wasOn = before?.untagged_manifests ?? false;
      const on = untaggedManifests ?? wasOn;
      await tx.query(
        `INSERT INTO gc_settings (review_delay, review_jitter, untagged_manifests)
         VALUES (make_interval(secs => $1), make_interval(secs => $2), $3)
         ON CONFLICT (singleton) DO UPDATE
           SET review_delay = excluded.review_delay, review_jitter = excluded.review_jitter,
               untagged_manifests = excluded.untagged_manifests`,
        [reviewDelaySeconds, reviewJitterSeconds, on],
      );
      if (on === wasOn) return;
      // Turned on: what is unkept now was never queued. Turned off: what is queued is dropped, and
      // queued afresh, with a new delay, if it is turned on again.
      if (on) {
        await tx.query(
          `INSERT INTO gc_manifest_reviews (manifest_id, review_after, reason)
           SELECT m.id, berth_gc_due(), 'untagged' FROM manifests m
           WHERE NOT EXISTS (SELECT 1 FROM tags t WHERE t.manifest_id = m.id)
             AND NOT EXISTS (SELECT 1 FROM manifest_references p WHERE p.child_id = m.id)
           ON CONFLICT DO NOTHING`,
        );
      } else {
        await tx.query('DELETE FROM gc_manifest_reviews');
      }
    });
  }

  async reviewDueManifests(limit: number): Promise<ReviewBatch<RemovedManifest>> {
    const candidates = await this.db.query<ManifestCandidate>(
      `SELECT g.manifest_id, m.repository_id, r.name AS repository
       FROM gc_manifest_reviews g
       JOIN gc_settings s ON s.untagged_manifests
       LEFT JOIN manifests m ON m.id = g.manifest_id
       LEFT JOIN repositories r ON r.id = m.repository_id
       WHERE g.review_after <= now()
       ORDER BY g.review_after
       LIMIT $1`,
      [limit],
    );
    const batch: ReviewBatch<RemovedManifest> = { reviewed: 0, removed: [] };
    for (const candidate of candidates) {
      const outcome = await this.db.transaction((tx) => reviewManifest(tx, candidate));
      if (outcome === 'skipped') continue;
      batch.reviewed += 1;
      batch.removed.push(...outcome);
    }
    await this.#recordProgress(batch.reviewed);
    return batch;
  }

  async reviewDueLinks(limit: number): Promise<ReviewBatch<RemovedLink>> {
    // Read without locks, a repository's together: each repository's are then claimed and
    // reviewed in one transaction of their own, under its lock.
    const groups = await this.db.query<LinkCandidates>(
      `SELECT c.repository_id, r.name AS repository, array_agg(c.blob_digest) AS digests
       FROM (
         SELECT repository_id, blob_digest FROM gc_link_reviews
         WHERE review_after <= now() ORDER BY review_after LIMIT $1
       ) c
       JOIN repositories r ON r.id = c.repository_id
       GROUP BY c.repository_id, r.name`,
      [limit],
    );
    const batch: ReviewBatch<RemovedLink> = { reviewed: 0, removed: [] };
    for (const group of groups) {
      const { reviewed, removed } = await this.db.transaction((tx) => reviewLinks(tx, group));
      batch.reviewed += reviewed;
      batch.removed.push(...removed.map((digest) => ({ repository: group.repository, digest })));
    }
    await this.#recordProgress(batch.reviewed);
    return batch;
  }

  async reviewDueBlobs(limit: number): Promise<ReviewBatch<BlobRecord>> {
    const batch = await this.db.transaction((tx) => reviewDueBlobs(tx, limit));
    await this.#recordProgress(batch.reviewed);
    return batch;
  }

  /** Counts reviews done, for the rate the status reports; outside their transactions, as a tally. */
  async #recordProgress(reviews: number): Promise<void> {
    if (reviews === 0) return;
    await this.db.query(
      `WITH pruned AS (DELETE FROM gc_progress WHERE minute < now() - interval '1 hour')
       INSERT INTO gc_progress (minute, reviews) VALUES (date_trunc('minute', now()), $1)
       ON CONFLICT (minute) DO UPDATE SET reviews = gc_progress.reviews + excluded.reviews`,
      [reviews],
    );
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
      untaggedManifests: row.untagged_manifests,
      recent: { reviews: row.recent_reviews, since: row.recent_since },
      manifests: queueStats(
        row.manifests_queued,
        row.manifests_due,
        row.manifests_oldest_due_at,
        row.manifests_next_due_at,
      ),
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
  untagged_manifests: boolean;
  recent_reviews: number;
  recent_since: Date;
  manifests_queued: number;
  manifests_due: number;
  manifests_oldest_due_at: Date | null;
  manifests_next_due_at: Date | null;
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
         extract(epoch FROM coalesce(s.review_jitter, interval '1 hour'))::float8 AS jitter_seconds,
         coalesce(s.untagged_manifests, false) AS untagged_manifests
  FROM (SELECT 1) AS one LEFT JOIN gc_settings s ON true
)
SELECT at, delay_seconds, jitter_seconds, untagged_manifests,
  date_trunc('minute', at) - interval '5 minutes' AS recent_since,
  (SELECT coalesce(sum(reviews), 0)::int8 FROM gc_progress
   WHERE minute >= date_trunc('minute', at) - interval '5 minutes') AS recent_reviews,
  (SELECT count(*)::int FROM gc_manifest_reviews) AS manifests_queued,
  (SELECT count(*)::int FROM gc_manifest_reviews WHERE review_after <= at) AS manifests_due,
  (SELECT min(review_after) FROM gc_manifest_reviews WHERE review_after <= at) AS manifests_oldest_due_at,
  (SELECT min(review_after) FROM gc_manifest_reviews WHERE review_after > at) AS manifests_next_due_at,
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
 * Takes a repository's lock, as every write that records events does first, unless a write holds
 * it: GC skips a repository being written rather than make a push wait.
 */
async function lockUnlessWritten(tx: SqlClient, repositoryId: number): Promise<boolean> {
  const locked = await tx.query('SELECT 1 FROM repositories WHERE id = $1 FOR NO KEY UPDATE SKIP LOCKED', [
    repositoryId,
  ]);
  return locked.length > 0;
}

/**
 * Reviews one manifest, under its repository's lock like a link (skipped when a write holds it):
 * deletes it, with what only it kept, when nothing keeps it; returns what it deleted. Every write
 * that tags, lists or deletes a manifest holds that lock, so nothing can come to keep it between
 * the check and the delete.
 */
async function reviewManifest(
  tx: SqlClient,
  candidate: ManifestCandidate,
): Promise<RemovedManifest[] | 'skipped'> {
  const { manifest_id: manifestId, repository_id: repositoryId, repository } = candidate;
  if (repositoryId !== null && !(await lockUnlessWritten(tx, repositoryId))) return 'skipped';
  const claimed = await tx.query(
    'DELETE FROM gc_manifest_reviews WHERE manifest_id = $1 AND review_after <= now() RETURNING 1',
    [manifestId],
  );
  if (claimed.length === 0) return 'skipped';
  // The manifest is gone: its review is dropped, and counts as done.
  if (repositoryId === null || repository === null) return [];
  const doomed = await unreachableManifests(tx, [manifestId]);
  if (doomed.length === 0) return [];
  // Their blob references and index listings go with them (ON DELETE CASCADE); the triggers
  // queue the reviews of what those kept.
  await tx.query('DELETE FROM manifests WHERE id = ANY($1::int8[])', [doomed.map((manifest) => manifest.id)]);
  await recordChanges(
    tx,
    repository,
    doomed.map(({ digest }) => ({ kind: 'manifest.deleted' as const, digest })),
    GC_ACTOR,
  );
  return doomed.map(({ digest, size }) => ({ repository, digest, size }));
}

/**
 * Reviews due links of one repository. The repository's lock comes first, as for every write that
 * records events, and is skipped rather than waited for: a repository being pushed to is reviewed
 * on a later run. Under it no manifest of the repository can change, so one statement finds and
 * removes the links that none references. Reviews claimed meanwhile by another process, or
 * postponed, are left.
 */
async function reviewLinks(
  tx: SqlClient,
  { repository_id: repositoryId, repository, digests }: LinkCandidates,
): Promise<{ reviewed: number; removed: string[] }> {
  if (!(await lockUnlessWritten(tx, repositoryId))) return { reviewed: 0, removed: [] };
  const claimed = await tx.query<{ blob_digest: string }>(
    `DELETE FROM gc_link_reviews
     WHERE repository_id = $1 AND blob_digest = ANY($2::text[]) AND review_after <= now()
     RETURNING blob_digest`,
    [repositoryId, digests],
  );
  if (claimed.length === 0) return { reviewed: 0, removed: [] };
  const unlinked = await tx.query<{ blob_digest: string }>(
    `DELETE FROM repository_blobs rb
     WHERE rb.repository_id = $1 AND rb.blob_digest = ANY($2::text[])
       AND NOT EXISTS (
         SELECT 1 FROM manifest_blobs mb JOIN manifests m ON m.id = mb.manifest_id
         WHERE m.repository_id = $1 AND mb.blob_digest = rb.blob_digest
       )
     RETURNING rb.blob_digest`,
    [repositoryId, claimed.map((row) => row.blob_digest)],
  );
  const removed = unlinked.map((row) => row.blob_digest).sort();
  if (removed.length > 0) {
    await recordChanges(
      tx,
      repository,
      removed.map((digest) => ({ kind: 'blob.unlinked' as const, digest })),
      GC_ACTOR,
    );
  }
  return { reviewed: claimed.length, removed };
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
