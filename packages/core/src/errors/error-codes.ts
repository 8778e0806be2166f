/**
 * Every error code the API answers with, its HTTP status and what it means. The first fourteen
 * are the OCI distribution spec's; the rest are extensions for cases the spec leaves open.
 */
export const ERROR_CODES = {
  BLOB_UNKNOWN: { status: 404, description: 'blob unknown to registry' },
  BLOB_UPLOAD_INVALID: { status: 400, description: 'blob upload invalid' },
  BLOB_UPLOAD_UNKNOWN: { status: 404, description: 'blob upload unknown to registry' },
  DIGEST_INVALID: { status: 400, description: 'provided digest did not match uploaded content' },
  // 400, as Distribution and the Docker Registry API answer and as clients keying on status expect;
  // the OCI spec's table names the code but no status of its own for it.
  MANIFEST_BLOB_UNKNOWN: {
    status: 400,
    description: 'manifest references a manifest or blob unknown to registry',
  },
  MANIFEST_INVALID: { status: 400, description: 'manifest invalid' },
  MANIFEST_UNKNOWN: { status: 404, description: 'manifest unknown to registry' },
  NAME_INVALID: { status: 400, description: 'invalid repository name' },
  NAME_UNKNOWN: { status: 404, description: 'repository name not known to registry' },
  SIZE_INVALID: { status: 400, description: 'provided length did not match content length' },
  UNAUTHORIZED: { status: 401, description: 'authentication required' },
  DENIED: { status: 403, description: 'requested access to the resource is denied' },
  UNSUPPORTED: { status: 415, description: 'the operation is unsupported' },
  TOOMANYREQUESTS: { status: 429, description: 'too many requests' },
  RANGE_INVALID: { status: 416, description: 'requested range not satisfiable' },
  PAGINATION_NUMBER_INVALID: { status: 400, description: 'invalid number of results requested' },
  METHOD_UNKNOWN: { status: 405, description: 'method not allowed for this endpoint' },
  NOT_FOUND: { status: 404, description: 'no such endpoint' },
  ACCOUNT_UNKNOWN: { status: 404, description: 'no such user, namespace, member or robot' },
  ACCOUNT_EXISTS: { status: 409, description: 'a user, namespace or robot of that name already exists' },
  REQUEST_INVALID: { status: 400, description: 'the request body or parameters are invalid' },
  UNAVAILABLE: { status: 503, description: 'a backend the registry needs is unavailable; retry later' },
  INTERNAL_ERROR: { status: 500, description: 'internal error' },
} as const satisfies Record<string, { status: number; description: string }>;

/** A code from the error table. */
export type ErrorCode = keyof typeof ERROR_CODES;
