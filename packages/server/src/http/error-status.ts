import {
  ManifestTooLargeError,
  RangeNotSatisfiableError,
  TooManyRequestsError,
  UploadOutOfOrderError,
  type ErrorCode,
  type RegistryError,
} from '@berth/core';
import { RequestBodyError } from '../errors/http-errors';

/** The HTTP status of every error code; a code added to the table without one fails to compile. */
export const ERROR_STATUS = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  // 400, as Distribution and the Docker Registry API answer and as clients keying on status expect;
  // the OCI spec's table names the code but no status of its own for it.
  MANIFEST_BLOB_UNKNOWN: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 415,
  TOOMANYREQUESTS: 429,
  RANGE_INVALID: 416,
  PAGINATION_NUMBER_INVALID: 400,
  METHOD_UNKNOWN: 405,
  NOT_FOUND: 404,
  ACCOUNT_UNKNOWN: 404,
  ACCOUNT_EXISTS: 409,
  REQUEST_INVALID: 400,
  UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
} as const satisfies Record<ErrorCode, number>;

/** The status an error answers with: its code's, except where the spec names one for the case. */
export function statusOf(error: RegistryError): number {
  if (error instanceof ManifestTooLargeError) return 413;
  // A chunk out of order is the code of a bad upload, with the status that tells clients to resume.
  if (error instanceof UploadOutOfOrderError) return 416;
  if (error instanceof RequestBodyError) return error.status;
  return ERROR_STATUS[error.code];
}

/** The headers the spec requires alongside an error, from what the error says. */
export function headersOf(error: RegistryError): Record<string, string> {
  if (error instanceof RangeNotSatisfiableError) return { 'Content-Range': `bytes */${error.size}` };
  if (error instanceof TooManyRequestsError) {
    return { 'Retry-After': String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))) };
  }
  return {};
}
