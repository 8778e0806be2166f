import type { SqlClient } from '../db/sql-database';

/** A manifest that no tag, index or subject keeps. */
export interface UnreachableManifest {
  id: number;
  repositoryId: number;
  digest: string;
  size: number;
}

interface ManifestRow {
  id: number;
  repository_id: number;
  digest: string;
  size: number;
}

// Of the candidates, those that nothing outside the doomed set keeps: no tag names them, no index
// outside it lists them, and their subject, if they have one, is gone or doomed.
const UNKEPT_SQL = `
SELECT r.id, r.repository_id, r.digest, r.size FROM manifests r
WHERE r.id = ANY($1::int8[]) AND r.id <> ALL($2::int8[])
  AND NOT EXISTS (SELECT 1 FROM tags t WHERE t.manifest_id = r.id)
  AND NOT EXISTS (
    SELECT 1 FROM manifest_references p WHERE p.child_id = r.id AND p.parent_id <> ALL($2::int8[])
  )
  AND NOT EXISTS (
    SELECT 1 FROM manifests s
    WHERE r.subject_digest IS NOT NULL AND s.repository_id = r.repository_id
      AND s.digest = r.subject_digest AND s.id <> ALL($2::int8[])
  )`;

// What the newly doomed kept: their referrers and, for an index, the manifests it lists.
const KEPT_BY_SQL = `
SELECT r.id FROM manifests d JOIN manifests r
  ON r.repository_id = d.repository_id AND r.subject_digest = d.digest
WHERE d.id = ANY($1::int8[])
UNION
SELECT child_id FROM manifest_references WHERE parent_id = ANY($1::int8[])`;

/**
 * The manifests among `roots` that nothing keeps, with what only they kept: their untagged
 * referrers (signatures, SBOMs) and the manifests only they list, to the end of the chain. Reads
 * only; the caller deletes them, or previews that it would.
 */
export async function unreachableManifests(
  tx: SqlClient,
  roots: readonly number[],
): Promise<UnreachableManifest[]> {
  const doomed: UnreachableManifest[] = [];
  let candidates = [...roots];
  while (candidates.length > 0) {
    const ids = doomed.map((manifest) => manifest.id);
    const accepted = await tx.query<ManifestRow>(UNKEPT_SQL, [candidates, ids]);
    if (accepted.length === 0) break;
    doomed.push(
      ...accepted.map((row) => ({
        id: row.id,
        repositoryId: row.repository_id,
        digest: row.digest,
        size: row.size,
      })),
    );
    const next = await tx.query<{ id: number }>(KEPT_BY_SQL, [accepted.map((row) => row.id)]);
    // A candidate turned down now (its parent not yet doomed) comes back through that parent.
    candidates = next.map((row) => row.id);
  }
  return doomed;
}
