import { randomUUID } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A fresh name for staged data, safe in file paths and object keys. */
export function newStagingId(): string {
  return randomUUID();
}

/** True for a name newStagingId could have made, so write state read back cannot point elsewhere. */
export function isStagingId(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** The error for write state that this adapter did not produce, or that was altered. */
export function malformedWriteError(key: string): Error {
  return new Error(`malformed resumable write state for ${JSON.stringify(key)}`);
}
