import { S3ServiceException } from '@aws-sdk/client-s3';
import { BackendUnavailableError, isNetworkFailure } from '@berth/backend-errors';
import { StorageFullError } from '../errors';

/** The object asked for does not exist (its bucket does). */
export function isMissingObject(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.name === 'NoSuchKey' || (error.$metadata.httpStatusCode === 404 && error.name !== 'NoSuchBucket'))
  );
}

/** The Range of a GET lies outside the object. */
export function isUnsatisfiableRange(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.name === 'InvalidRange' || error.$metadata.httpStatusCode === 416)
  );
}

/** The multipart upload is gone: completed or aborted (Ceph RGW can say NoSuchKey here). */
export function isMissingUpload(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.name === 'NoSuchUpload' || error.$metadata.httpStatusCode === 404)
  );
}

// How S3-compatible stores say a write does not fit: Ceph RGW's bucket and user quotas, its
// full cluster, MinIO's full disks; 507 is HTTP's own word for it.
const LACK_OF_SPACE = new Set([
  'QuotaExceeded',
  'InsufficientStorage',
  'InsufficientCapacity',
  'XMinioStorageFull',
]);

/** The store refused a write because it has no room for it; undefined for any other error. */
export function lackOfSpace(error: unknown): StorageFullError | undefined {
  if (!(error instanceof S3ServiceException)) return undefined;
  const status = error.$metadata.httpStatusCode;
  if (!LACK_OF_SPACE.has(error.name) && status !== 507) return undefined;
  return new StorageFullError(`${error.name}, HTTP ${status ?? 'status unknown'}`, { cause: error });
}

// The SDK's connection and request timeouts, and the adapter's own deadlines, are named
// TimeoutError; RequestTimeout is S3 giving up on a request body that stopped coming.
const UNAVAILABLE_NAMES = new Set(['TimeoutError', 'RequestTimeout']);

/** The store cannot be reached or does not answer right now; undefined for any other error. */
export function outage(error: unknown): BackendUnavailableError | undefined {
  if (!(error instanceof Error)) return undefined;
  const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
  const unavailable =
    isNetworkFailure(error) || UNAVAILABLE_NAMES.has(error.name) || (status !== undefined && status >= 500);
  return unavailable ? new BackendUnavailableError('blobs', error) : undefined;
}
