import type { SqlClient } from '../db/sql-database';
import type { PreviewedBlob, PreviewedLink, ReviewPreview } from './gc-reviews';

/**
 * What the reviews would remove, in one statement (one snapshot), by their own rules and those of
 * the triggers (see the gc_reviews migration and sql-gc-reviews.ts):
 *
 * - A due link review removes the link when the link exists and no manifest of its repository
 *   references the blob. Removing a link changes no other link's review, and no manifest changes.
 * - Removing a link queues its blob's review at now + delay + random() * jitter, or postpones a
 *   queued one to that time if later (`greatest`). With a delay or a jitter that is later than now,
 *   so the blob is not due again in this pass, whether its queued review came before (kept: a link
 *   was left) or after (postponed). With neither, the blob is due at once, unless a review of it
 *   already waits for a later time; it is reviewed after its last link goes (each removal queues
 *   it again).
 * - A due blob review deletes the blob when no repository links it and no manifest references it,
 *   once the link reviews above are done.
 */
const PREVIEW_SQL = `
WITH settings AS (
  SELECT now() AS at,
         coalesce(s.review_delay, interval '24 hours') = interval '0'
           AND coalesce(s.review_jitter, interval '1 hour') = interval '0' AS due_at_once
  FROM (SELECT 1) AS one LEFT JOIN gc_settings s ON true
),
removed_links AS (
  SELECT g.repository_id, r.name AS repository, g.blob_digest
  FROM gc_link_reviews g
  JOIN settings ON g.review_after <= settings.at
  JOIN repositories r ON r.id = g.repository_id
  JOIN repository_blobs rb ON rb.repository_id = g.repository_id AND rb.blob_digest = g.blob_digest
  WHERE NOT EXISTS (
    SELECT 1 FROM manifest_blobs mb JOIN manifests m ON m.id = mb.manifest_id
    WHERE m.repository_id = g.repository_id AND mb.blob_digest = g.blob_digest
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
    AND NOT EXISTS (SELECT 1 FROM manifest_blobs mb WHERE mb.blob_digest = b.digest)
)
SELECT settings.at,
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
  links: PreviewedLink[];
  blobs: PreviewedBlob[];
}

/** What reviewing everything due now would remove; reads only. */
export async function previewDueReviews(db: SqlClient): Promise<ReviewPreview> {
  const [row] = await db.query<PreviewRow>(PREVIEW_SQL);
  if (!row) throw new Error('the preview query returned no row');
  return { at: row.at, links: row.links, blobs: row.blobs };
}
