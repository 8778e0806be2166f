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
