import { RegistryError } from './domain-errors';

/** Credentials are missing, wrong, expired or revoked, or do not cover the request. */
export class AuthenticationError extends RegistryError {
  readonly code = 'UNAUTHORIZED';
}

/** The caller is known but may not do this. */
export class AccessDeniedError extends RegistryError {
  readonly code = 'DENIED';
}

/** A rate limit is spent; the client may retry after `retryAfterMs`. */
export class TooManyRequestsError extends RegistryError {
  readonly code = 'TOOMANYREQUESTS';

  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/** An admin request names a user, namespace, member or robot that does not exist. */
export class AccountNotFoundError extends RegistryError {
  readonly code = 'ACCOUNT_UNKNOWN';
}

/** An admin request would create something that already exists. */
export class AccountExistsError extends RegistryError {
  readonly code = 'ACCOUNT_EXISTS';
}

/** An admin request is malformed: a bad name, a short password, an unknown role. */
export class InvalidAccountRequestError extends RegistryError {
  readonly code = 'REQUEST_INVALID';
}
