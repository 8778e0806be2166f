import type { ErrorCode } from './error-codes';

/**
 * Base of every error the services raise on purpose. Each subclass names the error code it stands
 * for and carries what a caller needs to act on it (a size, a delay), never how a transport says
 * it: the HTTP layer derives status and headers from it in one place, the CLI its own messages.
 */
export abstract class RegistryError extends Error {
  abstract readonly code: ErrorCode;

  constructor(
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The repository name breaks the naming grammar. */
export class InvalidNameError extends RegistryError {
  readonly code = 'NAME_INVALID';
}

/** A tag breaks the tag grammar. */
export class InvalidTagError extends RegistryError {
  readonly code = 'MANIFEST_INVALID';
}

/** A digest is malformed, of an unsupported algorithm, or does not match the content. */
export class InvalidDigestError extends RegistryError {
  readonly code = 'DIGEST_INVALID';
}

/** The repository does not exist. */
export class RepositoryNotFoundError extends RegistryError {
  readonly code = 'NAME_UNKNOWN';
}

/** The blob is not in the repository. */
export class BlobNotFoundError extends RegistryError {
  readonly code = 'BLOB_UNKNOWN';
}

/** The manifest or tag is not in the repository. */
export class ManifestNotFoundError extends RegistryError {
  readonly code = 'MANIFEST_UNKNOWN';
}

/** The manifest document is not acceptable. */
export class InvalidManifestError extends RegistryError {
  readonly code = 'MANIFEST_INVALID';
}

/** The manifest is larger than the registry accepts: more than `limit` bytes. */
export class ManifestTooLargeError extends RegistryError {
  readonly code = 'MANIFEST_INVALID';

  constructor(readonly limit: number) {
    super(`manifest exceeds ${limit} bytes`);
  }
}

/** The manifest names blobs or manifests that the repository does not hold. */
export class ManifestReferencesUnknownError extends RegistryError {
  readonly code = 'MANIFEST_BLOB_UNKNOWN';
}

/** The manifest is of a kind the registry does not serve (Docker schema 1). */
export class UnsupportedManifestError extends RegistryError {
  readonly code = 'UNSUPPORTED';
}

/** The upload session does not exist (never did, finished, cancelled or expired). */
export class UploadNotFoundError extends RegistryError {
  readonly code = 'BLOB_UPLOAD_UNKNOWN';
}

/** The upload request is malformed. */
export class InvalidUploadError extends RegistryError {
  readonly code = 'BLOB_UPLOAD_INVALID';
}

/** A chunk does not start where the upload currently ends; the client must resume from `currentSize`. */
export class UploadOutOfOrderError extends RegistryError {
  readonly code = 'BLOB_UPLOAD_INVALID';

  constructor(readonly currentSize: number) {
    super(`chunk does not continue the upload; it holds ${currentSize} bytes`);
  }
}

/** A declared length does not match the bytes received, or exceeds a limit. */
export class InvalidSizeError extends RegistryError {
  readonly code = 'SIZE_INVALID';
}

/** A byte range lies outside the blob. */
export class RangeNotSatisfiableError extends RegistryError {
  readonly code = 'RANGE_INVALID';

  constructor(readonly size: number) {
    super(`range not satisfiable for a blob of ${size} bytes`);
  }
}

/** A paging parameter is not a usable number. */
export class InvalidPaginationError extends RegistryError {
  readonly code = 'PAGINATION_NUMBER_INVALID';
}
