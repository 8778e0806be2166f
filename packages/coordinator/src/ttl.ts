/**
 * Rejects a time-to-live that is not a positive whole number of milliseconds. Redis refuses such
 * values while an in-memory map would quietly accept them, so every adapter checks them the same way.
 */
export function assertValidTtl(ttlMs: number): void {
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be a positive integer, got ${ttlMs}`);
  }
}
