import { InvalidKeyError } from './errors';

const SEGMENT = /^[A-Za-z0-9._-]+$/;

/** True when `key` is a safe relative path of [A-Za-z0-9._-] segments. */
export function isValidKey(key: unknown): key is string {
  return (
    typeof key === 'string' &&
    key.split('/').every((segment) => SEGMENT.test(segment) && segment !== '.' && segment !== '..')
  );
}

/** Returns `key` if it is a safe relative path of [A-Za-z0-9._-] segments; throws InvalidKeyError otherwise. */
export function assertValidKey(key: string): string {
  if (!isValidKey(key)) throw new InvalidKeyError(key);
  return key;
}

/**
 * Returns `prefix` if it is empty, a valid key, or a valid key and a slash; throws InvalidKeyError
 * otherwise. A partial last segment must be a valid segment itself, so not `.` or `..`.
 */
export function assertValidKeyPrefix(prefix: string): string {
  const folder = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (prefix !== '' && !isValidKey(folder)) throw new InvalidKeyError(prefix);
  return prefix;
}
