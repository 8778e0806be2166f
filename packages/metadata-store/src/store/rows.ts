import type { BlobRecord, ManifestRecord, Referrer } from '../model';
import { ANNOTATIONS_COLUMN } from './annotation-columns';

/** Columns of `blobs b` that make a BlobRecord. */
export const BLOB_COLUMNS = 'b.digest, b.size, b.storage_key';

/** A row of BLOB_COLUMNS. */
export interface BlobRow {
  digest: string;
  size: number;
  storage_key: string;
}

/** Maps a BlobRow to the model. */
export function toBlobRecord(row: BlobRow): BlobRecord {
  return { digest: row.digest, size: row.size, storageKey: row.storage_key };
}

/** Columns of `manifests m` that make a ManifestRecord. */
export const MANIFEST_COLUMNS =
  'm.digest, m.media_type, m.size, m.payload, m.artifact_type, m.subject_digest';

/** A row of MANIFEST_COLUMNS. */
export interface ManifestRow {
  digest: string;
  media_type: string;
  size: number;
  payload: Buffer;
  artifact_type: string | null;
  subject_digest: string | null;
}

/** Maps a ManifestRow to the model. */
export function toManifestRecord(row: ManifestRow): ManifestRecord {
  return {
    digest: row.digest,
    mediaType: row.media_type,
    size: row.size,
    payload: row.payload,
    ...(row.artifact_type !== null ? { artifactType: row.artifact_type } : {}),
    ...(row.subject_digest !== null ? { subjectDigest: row.subject_digest } : {}),
  };
}

/** Columns of `manifests m` that make a Referrer. */
export const REFERRER_COLUMNS = `m.digest, m.media_type, m.size, m.artifact_type, ${ANNOTATIONS_COLUMN}`;

/** A row of REFERRER_COLUMNS. */
export interface ReferrerRow {
  digest: string;
  media_type: string;
  size: number;
  artifact_type: string | null;
  annotations: Record<string, string> | null;
}

/** Maps a ReferrerRow to the model. */
export function toReferrer(row: ReferrerRow): Referrer {
  return {
    digest: row.digest,
    mediaType: row.media_type,
    size: row.size,
    ...(row.artifact_type !== null ? { artifactType: row.artifact_type } : {}),
    ...(row.annotations !== null ? { annotations: row.annotations } : {}),
  };
}
