import type { TokenBucketLimit } from './rate-limit';

// Beyond this a bucket's refill time is no longer a whole number of milliseconds that Redis
// accepts as an expiry; no real limit comes near it (it is about 285,000 years).
const MAX_REFILL_MS = Number.MAX_SAFE_INTEGER;

function assertPositiveFinite(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive finite number, got ${value}`);
  }
}

/**
 * Rejects a limit or cost that no bucket could honour, such as a cost above the capacity, which
 * would be refused forever. Every adapter checks them the same way, before touching any state.
 */
export function assertValidTake({ capacity, refillPerSecond }: TokenBucketLimit, cost: number): void {
  assertPositiveFinite('capacity', capacity);
  assertPositiveFinite('refillPerSecond', refillPerSecond);
  if ((capacity / refillPerSecond) * 1000 > MAX_REFILL_MS) {
    throw new RangeError(`a bucket of ${capacity} tokens at ${refillPerSecond} per second never refills`);
  }
  if (!(cost >= 0 && cost <= capacity)) {
    throw new RangeError(`cost must be between 0 and the capacity ${capacity}, got ${cost}`);
  }
}
