import type { SqlDatabase } from '../db/sql-database';
import type { PreviewedBlob, PreviewedLink, RemovedManifest, ReviewPreview } from './gc-reviews';
import { unreachableManifests } from './unreachable-manifests';

/**
 * What the link and blob reviews would remove once the manifests of `$1` are deleted, in one
 * statement, by their own rules and those of the triggers (see the gc_reviews migrations and
 * sql-gc-reviews.ts):
 *
 * - Deleting a manifest queues the link reviews of its blobs at now + delay + random() * jitter,
 *   or postpones queued ones to that time if later (`greatest`). With a delay or a jitter those
 *   are not due in this pass; with neither, they are due at once unless one already waits for a
 *   later time.
 * - A due link review removes the link when the link exists and no manifest of its repository
 *   (the deleted ones aside) references the blob. Removing a link changes no other link's
 *   review, and no manifest changes.
 * - Removing a link queues its blob's review the same way: with a delay or a jitter, the blob is
 *   not due again in this pass, whether its queued review came before (kept: a link was left) or
 *   after (postponed); with neither, it is due at once, unless a review of it already waits for
 *   a later time; it is reviewed after its last link goes (each removal queues it again).
 * - A due blob review deletes the blob when no repository links it and no manifest references it,
 *   once the reviews above are done.
 */
const PREVIEW_SQL = `
WITH settings AS (
  SELECT now() AS at,
         coalesce(s.review_delay, interval '24 hours') = interval '0'
           AND coalesce(s.review_jitter, interval '1 hour') = interval '0' AS due_at_once
  FROM (SELECT 1) AS one LEFT JOIN gc_settings s ON true
),
doomed_references AS (
  SELECT DISTINCT m.repository_id, mb.blob_digest
  FROM manifests m JOIN manifest_blobs mb ON mb.manifest_id = m.id
  WHERE m.id = ANY($1::int8[])
),
due_links AS (
  -- Due already, and not postponed by a manifest deleted in this pass.
  SELECT g.repository_id, g.blob_digest
  FROM gc_link_reviews g JOIN settings ON g.review_after <= settings.at
  WHERE settings.due_at_once OR NOT EXISTS (
    SELECT 1 FROM doomed_references x
    WHERE x.repository_id = g.repository_id AND x.blob_digest = g.blob_digest
  )
  UNION
  -- Queued by a manifest deleted in this pass, due at once, with no later review waiting.
  SELECT x.repository_id, x.blob_digest
  FROM doomed_references x JOIN settings ON settings.due_at_once
  WHERE NOT EXISTS (
    SELECT 1 FROM gc_link_reviews g
    WHERE g.repository_id = x.repository_id AND g.blob_digest = x.blob_digest
      AND g.review_after > settings.at
  )
),
removed_links AS (
  SELECT l.repository_id, r.name AS repository, l.blob_digest
  FROM due_links l
  JOIN repositories r ON r.id = l.repository_id
  JOIN repository_blobs rb ON rb.repository_id = l.repository_id AND rb.blob_digest = l.blob_digest
  WHERE NOT EXISTS (
    SELECT 1 FROM manifest_blobs mb JOIN manifests m ON m.id = mb.manifest_id
    WHERE m.repository_id = l.repository_id AND mb.blob_digest = l.blob_digest
      AND m.id <> ALL($1::int8[])
  )
),
due_blobs AS (
  -- Due already, and not postponed by a link removed in this pass.
  SELECT q.blob_digest AS digest
  FROM gc_blob_reviews q JOIN settings ON q.review_after <= settings.at
  WHERE settings.due_at_once
     OR NOT EXISTS (SELECT 1 FROM removed_links x WHERE x.blob_digest = q.blob_digest)
  UNION
  -- Queued by a link removed in this pass, due at once, with no later review waiting.
  SELECT x.blob_digest
  FROM removed_links x JOIN settings ON settings.due_at_once
  WHERE NOT EXISTS (SELECT 1 FROM gc_blob_reviews q WHERE q.blob_digest = x.blob_digest)
),
deleted_blobs AS (
  SELECT b.digest, b.size
  FROM due_blobs d JOIN blobs b ON b.digest = d.digest
  WHERE NOT EXISTS (
      SELECT 1 FROM repository_blobs rb
      WHERE rb.blob_digest = b.digest
        AND NOT EXISTS (
          SELECT 1 FROM removed_links x
          WHERE x.repository_id = rb.repository_id AND x.blob_digest = rb.blob_digest
        )
    )
    AND NOT EXISTS (
      SELECT 1 FROM manifest_blobs mb WHERE mb.blob_digest = b.digest AND mb.manifest_id <> ALL($1::int8[])
    )
)
SELECT settings.at,
  (SELECT coalesce(json_agg(json_build_object('repository', r.name, 'digest', m.digest, 'size', m.size)
            ORDER BY r.name, m.digest COLLATE "C"), '[]'::json)
   FROM manifests m JOIN repositories r ON r.id = m.repository_id
   WHERE m.id = ANY($1::int8[])) AS manifests,
  (SELECT coalesce(json_agg(
            json_build_object('repository', x.repository, 'digest', x.blob_digest, 'size', b.size)
            ORDER BY x.repository, x.blob_digest COLLATE "C"), '[]'::json)
   FROM removed_links x JOIN blobs b ON b.digest = x.blob_digest) AS links,
  (SELECT coalesce(json_agg(json_build_object('digest', d.digest, 'size', d.size)
            ORDER BY d.digest COLLATE "C"), '[]'::json)
   FROM deleted_blobs d) AS blobs
FROM settings`;

interface PreviewRow {
  at: Date;
  manifests: RemovedManifest[];
  links: PreviewedLink[];
  blobs: PreviewedBlob[];
}

/**
 * What reviewing everything due now would remove; reads only, in one snapshot (now() is the
 * transaction's start throughout).
 */
export function previewDueReviews(db: SqlDatabase): Promise<ReviewPreview> {
  return db.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const roots = await tx.query<{ manifest_id: number }>(
      `SELECT g.manifest_id FROM gc_manifest_reviews g JOIN gc_settings s ON s.untagged_manifests
       WHERE g.review_after <= now()`,
    );
    const doomed = await unreachableManifests(
      tx,
      roots.map((row) => row.manifest_id),
    );
    const [row] = await tx.query<PreviewRow>(PREVIEW_SQL, [doomed.map((manifest) => manifest.id)]);
    if (!row) throw new Error('the preview query returned no row');
    return { at: row.at, manifests: row.manifests, links: row.links, blobs: row.blobs };
  });
}
