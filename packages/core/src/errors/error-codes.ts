/**
 * Every error code the registry answers with, and what it means. The first fourteen are the OCI
 * distribution spec's; the rest are extensions for cases the spec leaves open. How each is said
 * on the wire (an HTTP status) is for the transport to decide.
 */
export const ERROR_CODES = {
  BLOB_UNKNOWN: { description: 'blob unknown to registry' },
  BLOB_UPLOAD_INVALID: { description: 'blob upload invalid' },
  BLOB_UPLOAD_UNKNOWN: { description: 'blob upload unknown to registry' },
  DIGEST_INVALID: { description: 'provided digest did not match uploaded content' },
  MANIFEST_BLOB_UNKNOWN: { description: 'manifest references a manifest or blob unknown to registry' },
  MANIFEST_INVALID: { description: 'manifest invalid' },
  MANIFEST_UNKNOWN: { description: 'manifest unknown to registry' },
  NAME_INVALID: { description: 'invalid repository name' },
  NAME_UNKNOWN: { description: 'repository name not known to registry' },
  SIZE_INVALID: { description: 'provided length did not match content length' },
  UNAUTHORIZED: { description: 'authentication required' },
  DENIED: { description: 'requested access to the resource is denied' },
  UNSUPPORTED: { description: 'the operation is unsupported' },
  TOOMANYREQUESTS: { description: 'too many requests' },
  RANGE_INVALID: { description: 'requested range not satisfiable' },
  PAGINATION_NUMBER_INVALID: { description: 'invalid number of results requested' },
  METHOD_UNKNOWN: { description: 'method not allowed for this endpoint' },
  NOT_FOUND: { description: 'no such endpoint' },
  ACCOUNT_UNKNOWN: { description: 'no such user, namespace, member or robot' },
  ACCOUNT_EXISTS: { description: 'a user, namespace or robot of that name already exists' },
  REQUEST_INVALID: { description: 'the request body or parameters are invalid' },
  UNAVAILABLE: { description: 'a backend the registry needs is unavailable; retry later' },
  INTERNAL_ERROR: { description: 'internal error' },
} as const satisfies Record<string, { description: string }>;

/** A code from the error table. */
export type ErrorCode = keyof typeof ERROR_CODES;
