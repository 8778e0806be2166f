import { randomUUID } from 'node:crypto';
import type { ChannelListener, ChannelSubscription } from '../channels';
import type { Coordinator, LockHandle, VersionedValue } from '../coordinator';
import type { TokenBucketLimit, TokenBucketResult } from '../rate-limit';
import { assertValidTake } from '../token-bucket';
import { assertValidTtl } from '../ttl';

/** Settings of the in-process coordinator. */
export interface MemoryCoordinatorOptions {
  /** How often expired entries are dropped; lookups never see them either way. Default 10 s. */
  sweepIntervalMs?: number;
}

interface Expiring {
  expiresAt: number;
}

interface RecordEntry extends Expiring {
  value: string;
  version: number;
}

interface LockEntry extends Expiring {
  token: string;
}

// Expires when the bucket has refilled, since from then on it is the same as a bucket never seen.
interface BucketEntry extends Expiring {
  tokens: number;
  /** When `tokens` was counted. */
  countedAt: number;
}

// Monotonic, so expiry is immune to wall-clock adjustments.
const now = (): number => performance.now();

/** The entry under `key` unless it has expired, in which case it is dropped. */
function live<T extends Expiring>(entries: Map<string, T>, key: string): T | undefined {
  const entry = entries.get(key);
  if (entry === undefined || entry.expiresAt > now()) return entry;
  entries.delete(key);
  return undefined;
}

function sweep(entries: Map<string, Expiring>): void {
  const at = now();
  for (const [key, entry] of entries) {
    if (entry.expiresAt <= at) entries.delete(key);
  }
}

/** Coordinator state held in this process: for a single-process deployment and for tests. */
export class MemoryCoordinator implements Coordinator {
  readonly kind = 'memory';
  private readonly records = new Map<string, RecordEntry>();
  private readonly locks = new Map<string, LockEntry>();
  private readonly buckets = new Map<string, BucketEntry>();
  private readonly channels = new Map<string, Set<ChannelListener>>();
  private readonly sweeper: NodeJS.Timeout;

  constructor({ sweepIntervalMs = 10_000 }: MemoryCoordinatorOptions = {}) {
    this.sweeper = setInterval(() => {
      sweep(this.records);
      sweep(this.locks);
      sweep(this.buckets);
    }, sweepIntervalMs);
    // Housekeeping alone must never keep the process alive.
    this.sweeper.unref();
  }

  async get(key: string): Promise<VersionedValue | undefined> {
    const entry = live(this.records, key);
    return entry && { value: entry.value, version: entry.version };
  }

  async create(key: string, value: string, ttlMs: number): Promise<boolean> {
    assertValidTtl(ttlMs);
    if (live(this.records, key)) return false;
    this.records.set(key, { value, version: 1, expiresAt: now() + ttlMs });
    return true;
  }

  async compareAndSet(
    key: string,
    expectedVersion: number,
    value: string,
    ttlMs: number,
  ): Promise<number | undefined> {
    assertValidTtl(ttlMs);
    const entry = live(this.records, key);
    if (entry?.version !== expectedVersion) return undefined;
    const version = expectedVersion + 1;
    this.records.set(key, { value, version, expiresAt: now() + ttlMs });
    return version;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    assertValidTtl(ttlMs);
    const version = (live(this.records, key)?.version ?? 0) + 1;
    this.records.set(key, { value, version, expiresAt: now() + ttlMs });
  }

  async delete(key: string): Promise<boolean> {
    return live(this.records, key) !== undefined && this.records.delete(key);
  }

  async acquireLock(name: string, ttlMs: number): Promise<LockHandle | undefined> {
    assertValidTtl(ttlMs);
    if (live(this.locks, name)) return undefined;
    const token = randomUUID();
    this.locks.set(name, { token, expiresAt: now() + ttlMs });
    return { name, token };
  }

  async extendLock(lock: LockHandle, ttlMs: number): Promise<boolean> {
    assertValidTtl(ttlMs);
    const entry = this.heldBy(lock);
    if (entry === undefined) return false;
    entry.expiresAt = now() + ttlMs;
    return true;
  }

  async releaseLock(lock: LockHandle): Promise<boolean> {
    return this.heldBy(lock) !== undefined && this.locks.delete(lock.name);
  }

  async takeTokens(bucket: string, limit: TokenBucketLimit, cost: number): Promise<TokenBucketResult> {
    assertValidTake(limit, cost);
    const { capacity, refillPerSecond } = limit;
    const at = now();
    const entry = live(this.buckets, bucket);
    const tokens =
      entry === undefined
        ? capacity
        : Math.min(capacity, entry.tokens + ((at - entry.countedAt) * refillPerSecond) / 1000);
    if (tokens < cost) {
      const retryAfterMs = Math.max(1, Math.ceil(((cost - tokens) * 1000) / refillPerSecond));
      return { allowed: false, remaining: Math.floor(tokens), retryAfterMs };
    }
    const left = tokens - cost;
    // Reads and refusals change nothing: the stored count, refilled to now, is still right.
    if (cost > 0) {
      const expiresAt = at + ((capacity - left) * 1000) / refillPerSecond;
      this.buckets.set(bucket, { tokens: left, countedAt: at, expiresAt });
    }
    return { allowed: true, remaining: Math.floor(left), retryAfterMs: 0 };
  }

  async publish(channel: string, message: string): Promise<void> {
    // A copy, so a listener that unsubscribes while hearing the message does not upset the loop.
    for (const listener of [...(this.channels.get(channel) ?? [])]) listener.message(message);
  }

  // Delivery within one process never breaks, so a listener is resumed at once and interrupted only by close.
  subscribe(channel: string, listener: ChannelListener): ChannelSubscription {
    const listeners = this.channels.get(channel) ?? new Set();
    this.channels.set(channel, listeners);
    listeners.add(listener);
    listener.resumed();
    return {
      close: async () => {
        listeners.delete(listener);
        if (listeners.size === 0 && this.channels.get(channel) === listeners) this.channels.delete(channel);
      },
    };
  }

  async checkHealth(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.records.clear();
    this.locks.clear();
    this.buckets.clear();
    const listeners = [...this.channels.values()].flatMap((set) => [...set]);
    this.channels.clear();
    for (const listener of listeners) listener.interrupted();
  }

  private heldBy(lock: LockHandle): LockEntry | undefined {
    const entry = live(this.locks, lock.name);
    return entry?.token === lock.token ? entry : undefined;
  }
}
