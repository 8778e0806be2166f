import { S3ServiceException } from '@aws-sdk/client-s3';

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
