import { RegistryError } from '@berth/core';

/** No route matches the path. */
export class UnknownEndpointError extends RegistryError {
  readonly code = 'NOT_FOUND';
}

/** The route exists but not for this method. */
export class MethodNotAllowedError extends RegistryError {
  readonly code = 'METHOD_UNKNOWN';
}

/** A request body refused as it was read: `status` says why (400 malformed, 413 too large, 415 of a type not read). */
export class RequestBodyError extends RegistryError {
  readonly code = 'REQUEST_INVALID';

  constructor(
    message: string,
    readonly status: 400 | 413 | 415,
  ) {
    super(message);
  }
}
