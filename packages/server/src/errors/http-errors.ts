import { RegistryError } from './domain-errors';

/** No route matches the path. */
export class UnknownEndpointError extends RegistryError {
  readonly code = 'NOT_FOUND';
}

/** The route exists but not for this method. */
export class MethodNotAllowedError extends RegistryError {
  readonly code = 'METHOD_UNKNOWN';
}
