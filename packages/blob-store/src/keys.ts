import { InvalidKeyError } from './errors';

const SEGMENT = /^[A-Za-z0-9._-]+$/;

/** Returns `key` if it is a safe relative path of [A-Za-z0-9._-] segments; throws InvalidKeyError otherwise. */
export function assertValidKey(key: string): string {
  const valid =
    typeof key === 'string' &&
    key.split('/').every((segment) => SEGMENT.test(segment) && segment !== '.' && segment !== '..');
  if (!valid) throw new InvalidKeyError(key);
  return key;
}
