import type { ClusterBackends } from './cluster-backends';

// Where the S3 adapter keeps committed objects and staged tails (see its layout in s3-blob-store.ts).
const OBJECTS = 'objects/';
const STAGING = 'staging/';
const INCOMPLETE = ' (incomplete upload)';

/** What the bucket and the blobs table hold, side by side. */
export interface StorageAudit {
  /** Keys of committed objects, as the blobs table names them (without the layout's folder). */
  objects: string[];
  blobRows: { digest: string; storage_key: string }[];
  /** Committed objects that no blob row points at. */
  orphanedObjects: string[];
  /** Blob rows whose object is missing. */
  rowsWithoutObject: string[];
  /** Staged tails of resumable writes. */
  staged: string[];
  /** Multipart uploads never completed nor aborted (not listed by s3rver). */
  incompleteUploads: string[];
}

/** Compares the bucket with the blobs table. */
export async function auditStorage(backends: ClusterBackends): Promise<StorageAudit> {
  const [keys, blobRows] = await Promise.all([
    backends.bucketKeys(),
    backends.query<{ digest: string; storage_key: string }>('SELECT digest, storage_key FROM blobs'),
  ]);
  const objects = keys
    .filter((key) => key.startsWith(OBJECTS) && !key.endsWith(INCOMPLETE))
    .map((key) => key.slice(OBJECTS.length));
  const referenced = new Set(blobRows.map((row) => row.storage_key));
  const stored = new Set(objects);
  return {
    objects,
    blobRows,
    orphanedObjects: objects.filter((key) => !referenced.has(key)),
    rowsWithoutObject: blobRows.filter((row) => !stored.has(row.storage_key)).map((row) => row.digest),
    staged: keys.filter((key) => key.startsWith(STAGING)),
    incompleteUploads: keys.filter((key) => key.endsWith(INCOMPLETE)),
  };
}

/**
 * Everything left behind that no acknowledged blob accounts for; empty when storage is clean.
 * Incomplete multipart uploads of a process killed mid-write are the bucket lifecycle rule's job,
 * so a caller that killed processes may leave them out.
 */
export function leftovers(audit: StorageAudit, { incompleteUploads = true } = {}): string[] {
  return [
    ...audit.orphanedObjects.map((key) => `object without a blob row: ${key}`),
    ...audit.rowsWithoutObject.map((digest) => `blob row without an object: ${digest}`),
    ...audit.staged.map((key) => `staged leftover: ${key}`),
    ...(incompleteUploads ? audit.incompleteUploads.map((key) => `multipart upload left: ${key}`) : []),
  ];
}
