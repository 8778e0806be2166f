import { selectOrInsert } from '../db/select-or-insert';
import type { SqlClient } from '../db/sql-database';
import { recordChanges } from '../events/event-rows';
import type { RegistryChange, WriteContext } from '../events/registry-event';
import type { NewManifest, PutManifestResult } from '../model';
import { annotationParams } from './annotation-columns';
import { lockRepository } from './repository-lock';

/**
 * Stores a manifest, its references and optionally a tag, within the caller's transaction, and
 * records what changed. Writes nothing (not even the repository) when a reference is missing.
 */
export async function putManifest(
  tx: SqlClient,
  repository: string,
  manifest: NewManifest,
  tag: string | undefined,
  context: WriteContext,
): Promise<PutManifestResult> {
  const blobDigests = [...new Set(manifest.blobDigests)];
  const childDigests = [...new Set(manifest.manifestDigests)];
  const knownRepositoryId = await lockRepository(tx, repository, context, false);
  const linkedBlobs = await lockLinkedBlobs(tx, knownRepositoryId, blobDigests);
  const children = await lockManifests(tx, knownRepositoryId, childDigests);
  const missingBlobs = blobDigests.filter((digest) => !linkedBlobs.has(digest));
  const missingManifests = childDigests.filter((digest) => !children.has(digest));
  if (missingBlobs.length > 0 || missingManifests.length > 0) {
    return { status: 'missing-references', blobs: missingBlobs, manifests: missingManifests };
  }

  const repositoryId = knownRepositoryId ?? (await lockRepository(tx, repository, context, true));
  if (repositoryId === undefined) throw new Error(`repository ${repository} could not be created`);
  const annotations = annotationParams(manifest.annotations);
  const { row, created } = await selectOrInsert<{ id: number }>(
    tx,
    {
      text: 'SELECT id FROM manifests WHERE repository_id = $1 AND digest = $2 FOR KEY SHARE',
      params: [repositoryId, manifest.digest],
    },
    {
      text: `
        INSERT INTO manifests
          (repository_id, digest, media_type, artifact_type, subject_digest,
           annotations, annotations_json, payload, size)
        VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::json, $8, $9)
        ON CONFLICT (repository_id, digest) DO NOTHING
        RETURNING id`,
      params: [
        repositoryId,
        manifest.digest,
        manifest.mediaType,
        manifest.artifactType ?? null,
        manifest.subjectDigest ?? null,
        annotations.jsonb,
        annotations.json,
        manifest.payload,
        manifest.payload.length,
      ],
    },
  );
  const changes: RegistryChange[] = [];
  // A manifest's references follow from its bytes, so an existing row already has them.
  if (created) {
    await insertManifestBlobs(tx, row.id, blobDigests);
    await insertManifestReferences(tx, row.id, [...children.values()]);
    changes.push({
      kind: 'manifest.pushed',
      digest: manifest.digest,
      mediaType: manifest.mediaType,
      size: manifest.payload.length,
      ...(manifest.subjectDigest !== undefined ? { subjectDigest: manifest.subjectDigest } : {}),
    });
  }
  if (tag !== undefined) {
    const previousDigest = await pointTag(tx, repositoryId, tag, row.id);
    if (previousDigest === undefined) changes.push({ kind: 'tag.created', tag, digest: manifest.digest });
    else if (previousDigest !== manifest.digest)
      changes.push({ kind: 'tag.moved', tag, digest: manifest.digest, previousDigest });
  }
  await recordChanges(tx, repository, changes, context);
  return { status: 'stored', created };
}

// The FOR KEY SHARE locks in the next two queries last until commit, so that a concurrent unlink or
// delete cannot remove what the new manifest references after it was checked.

async function lockLinkedBlobs(
  tx: SqlClient,
  repositoryId: number | undefined,
  digests: string[],
): Promise<Set<string>> {
  if (repositoryId === undefined || digests.length === 0) return new Set();
  const rows = await tx.query<{ blob_digest: string }>(
    `SELECT blob_digest FROM repository_blobs
     WHERE repository_id = $1 AND blob_digest = ANY ($2::text[])
     FOR KEY SHARE`,
    [repositoryId, digests],
  );
  return new Set(rows.map((row) => row.blob_digest));
}

/** Manifest ids by digest. */
async function lockManifests(
  tx: SqlClient,
  repositoryId: number | undefined,
  digests: string[],
): Promise<Map<string, number>> {
  if (repositoryId === undefined || digests.length === 0) return new Map();
  const rows = await tx.query<{ id: number; digest: string }>(
    `SELECT id, digest FROM manifests
     WHERE repository_id = $1 AND digest = ANY ($2::text[])
     FOR KEY SHARE`,
    [repositoryId, digests],
  );
  return new Map(rows.map((row) => [row.digest, row.id]));
}

async function insertManifestBlobs(tx: SqlClient, manifestId: number, digests: string[]): Promise<void> {
  if (digests.length === 0) return;
  await tx.query(
    'INSERT INTO manifest_blobs (manifest_id, blob_digest) SELECT $1::bigint, unnest($2::text[])',
    [manifestId, digests],
  );
}

async function insertManifestReferences(tx: SqlClient, parentId: number, childIds: number[]): Promise<void> {
  if (childIds.length === 0) return;
  await tx.query(
    'INSERT INTO manifest_references (parent_id, child_id) SELECT $1::bigint, unnest($2::bigint[])',
    [parentId, childIds],
  );
}

/** Points the tag at the manifest; returns the digest it named before, if it existed. */
async function pointTag(
  tx: SqlClient,
  repositoryId: number,
  tag: string,
  manifestId: number,
): Promise<string | undefined> {
  // The repository's lock keeps other writers of this tag out until commit.
  const [previous] = await tx.query<{ digest: string }>(
    `SELECT m.digest FROM tags t JOIN manifests m ON m.id = t.manifest_id
     WHERE t.repository_id = $1 AND t.name = $2`,
    [repositoryId, tag],
  );
  await tx.query(
    `INSERT INTO tags (repository_id, name, manifest_id) VALUES ($1, $2, $3)
     ON CONFLICT (repository_id, name) DO UPDATE
       SET manifest_id = excluded.manifest_id, updated_at = now()
       WHERE tags.manifest_id <> excluded.manifest_id`,
    [repositoryId, tag, manifestId],
  );
  return previous?.digest;
}
