import type { ChannelListener, ChannelSubscription } from './channels';
import type { TokenBucketLimit, TokenBucketResult } from './rate-limit';

/** A value kept by the coordinator, with the version that a compare-and-set must name. */
export interface VersionedValue {
  value: string;
  version: number;
}

/** A held lock; the token proves ownership when extending or releasing it. */
export interface LockHandle {
  readonly name: string;
  readonly token: string;
}

/**
 * Short-lived shared state for stateless processes: expiring versioned records (sessions),
 * plain expiring values (caches), mutual-exclusion locks with a time-to-live, token buckets and
 * broadcast channels.
 * Losing it loses work in progress, never durable data.
 */
export interface Coordinator {
  readonly kind: string;

  get(key: string): Promise<VersionedValue | undefined>;
  /** Stores a new record at version 1; false when the key already exists. */
  create(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Replaces a record only if it is still at `expectedVersion`; returns the new version, or undefined. */
  compareAndSet(
    key: string,
    expectedVersion: number,
    value: string,
    ttlMs: number,
  ): Promise<number | undefined>;
  /** Stores a value unconditionally (caches); bumps the version. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Returns whether a key was removed. */
  delete(key: string): Promise<boolean>;

  /** Takes a lock if free; undefined when another holder has it. */
  acquireLock(name: string, ttlMs: number): Promise<LockHandle | undefined>;
  /** Extends a held lock; false when it was lost (expired or taken by another holder). */
  extendLock(lock: LockHandle, ttlMs: number): Promise<boolean>;
  /** Releases a held lock; false when it was no longer held by this handle. */
  releaseLock(lock: LockHandle): Promise<boolean>;

  /**
   * Takes `cost` tokens from the named bucket if it holds that many, atomically for every
   * process sharing the backend. A bucket never seen is full. `cost` 0 only reads the bucket.
   * Buckets left alone long enough to refill are forgotten.
   */
  takeTokens(bucket: string, limit: TokenBucketLimit, cost: number): Promise<TokenBucketResult>;

  /**
   * Delivers `message` to the listeners on `channel` in every process sharing the backend, this
   * one included, in the order published. Resolves once the backend has handed it to them.
   */
  publish(channel: string, message: string): Promise<void>;
  /** Starts listening on `channel`; see ChannelListener for when delivery can be relied on. */
  subscribe(channel: string, listener: ChannelListener): ChannelSubscription;

  /** Throws when the backend cannot be reached. */
  checkHealth(): Promise<void>;
  close(): Promise<void>;
}
