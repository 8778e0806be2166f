import { randomUUID } from 'node:crypto';
import { reportingOutages } from '@berth/backend-errors';
import { ReplyError } from 'ioredis';
import type { ChannelListener, ChannelSubscription } from '../channels';
import type { Coordinator, LockHandle, VersionedValue } from '../coordinator';
import type { TokenBucketLimit, TokenBucketResult } from '../rate-limit';
import { assertValidTake } from '../token-bucket';
import { assertValidTtl } from '../ttl';
import { RedisChannelSubscriber } from './redis-channel-subscriber';
import { connectRedis } from './redis-connection';
import { redisOptionsSchema, type RedisOptions } from './redis-options';
import type { ScriptedRedis } from './redis-scripts';

/*
 * Key layout, every key under the configured prefix and expiring by PX:
 *
 *   <keyPrefix>record:<key>   hash { v: version, value: the value }
 *   <keyPrefix>lock:<name>    string: the holder's random token
 *   <keyPrefix>bucket:<name>  hash { tokens, at: when they were counted }, expiring once refilled
 *
 * Records, locks and buckets live in separate namespaces, so they may share names. Broadcast
 * channels are named <keyPrefix>channel:<channel>, so deployments sharing a Redis do not hear
 * each other.
 */

const HEALTH_CHECK_TIMEOUT_MS = 1_000;

/** Settings of the Redis coordinator (redisOptionsSchema), and where its connection errors go. */
export type RedisCoordinatorOptions = RedisOptions & {
  /**
   * Receives connection errors, such as each failed reconnection attempt, for logging. Default:
   * ignored, since every operation that fails rejects with its cause and checkHealth reports the state.
   */
  onError?: (error: Error) => void;
};

/** Coordinator state in Redis, shared by every pod of a deployment. */
export class RedisCoordinator implements Coordinator {
  readonly kind = 'redis';
  private readonly redis: ScriptedRedis;
  private readonly keyPrefix: string;
  private readonly openSubscriber: () => RedisChannelSubscriber;
  private subscriber: RedisChannelSubscriber | undefined;
  private closing: Promise<void> | undefined;
  /** Why the last connection attempt failed, until one succeeds: what a failed check reports. */
  private connectionError: Error | undefined;

  /** Throws a ZodError naming each setting out of its bounds (redisOptionsSchema). */
  constructor({ onError = () => undefined, ...options }: RedisCoordinatorOptions) {
    const { url, keyPrefix, connectTimeoutSeconds, commandTimeoutSeconds } =
      redisOptionsSchema.parse(options);
    const deadlines = {
      connectMs: Math.round(connectTimeoutSeconds * 1000),
      commandMs: Math.round(commandTimeoutSeconds * 1000),
    };
    this.redis = connectRedis(url, deadlines, (error) => {
      this.connectionError = error;
      onError(error);
    });
    this.redis.on('ready', () => (this.connectionError = undefined));
    this.keyPrefix = keyPrefix;
    // Opened on the first subscription: a process that never listens needs no second connection.
    this.openSubscriber = () =>
      new RedisChannelSubscriber(connectRedis(url, deadlines, onError, { autoResubscribe: false }));
  }

  async get(key: string): Promise<VersionedValue | undefined> {
    const [version, value] = await this.call(() => this.redis.hmget(this.recordKey(key), 'v', 'value'));
    return version == null || value == null ? undefined : { value, version: Number(version) };
  }

  async create(key: string, value: string, ttlMs: number): Promise<boolean> {
    assertValidTtl(ttlMs);
    return (await this.call(() => this.redis.createRecord(this.recordKey(key), value, ttlMs))) === 1;
  }

  async compareAndSet(
    key: string,
    expectedVersion: number,
    value: string,
    ttlMs: number,
  ): Promise<number | undefined> {
    assertValidTtl(ttlMs);
    const version = await this.call(() =>
      this.redis.compareAndSetRecord(this.recordKey(key), expectedVersion, value, ttlMs),
    );
    return version ?? undefined;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    assertValidTtl(ttlMs);
    await this.call(() => this.redis.setRecord(this.recordKey(key), value, ttlMs));
  }

  async delete(key: string): Promise<boolean> {
    return (await this.call(() => this.redis.del(this.recordKey(key)))) === 1;
  }

  async acquireLock(name: string, ttlMs: number): Promise<LockHandle | undefined> {
    assertValidTtl(ttlMs);
    const token = randomUUID();
    const reply = await this.call(() => this.redis.set(this.lockKey(name), token, 'PX', ttlMs, 'NX'));
    return reply === 'OK' ? { name, token } : undefined;
  }

  async extendLock(lock: LockHandle, ttlMs: number): Promise<boolean> {
    assertValidTtl(ttlMs);
    return (await this.call(() => this.redis.extendLock(this.lockKey(lock.name), lock.token, ttlMs))) === 1;
  }

  async releaseLock(lock: LockHandle): Promise<boolean> {
    return (await this.call(() => this.redis.releaseLock(this.lockKey(lock.name), lock.token))) === 1;
  }

  async takeTokens(bucket: string, limit: TokenBucketLimit, cost: number): Promise<TokenBucketResult> {
    assertValidTake(limit, cost);
    const [allowed, remaining, retryAfterMs] = await this.call(() =>
      this.redis.takeTokens(this.bucketKey(bucket), limit.capacity, limit.refillPerSecond, cost),
    );
    return { allowed: allowed === 1, remaining, retryAfterMs };
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.call(() => this.redis.publish(this.channelName(channel), message));
  }

  subscribe(channel: string, listener: ChannelListener): ChannelSubscription {
    this.subscriber ??= this.openSubscriber();
    return this.subscriber.subscribe(this.channelName(channel), listener);
  }

  async checkHealth(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Redis did not answer PING within ${HEALTH_CHECK_TIMEOUT_MS} ms`)),
        HEALTH_CHECK_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([this.redis.ping(), timeout]);
    } catch (error) {
      // A PING failed for want of a connection says only that it gave up; the connection's own
      // error (refused, unknown host, bad password) says why.
      const cause = this.redis.status === 'ready' ? undefined : this.connectionError;
      throw cause ? new Error(`cannot connect to Redis: ${cause.message}`, { cause }) : error;
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    // Once: a second QUIT sent before the first has closed the socket would fail.
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    await this.subscriber?.close();
    if (this.redis.status === 'ready') {
      // QUIT lets replies already in flight arrive before the connection closes.
      await this.redis.quit();
    } else {
      // Without a connection nothing is in flight, and a queued QUIT would wait for Redis to return.
      this.redis.disconnect();
    }
  }

  /**
   * Runs a command, reporting a failure that is not Redis's own answer (a ReplyError: a script
   * or command refused) as BackendUnavailableError: with maxRetriesPerRequest 0, ioredis fails
   * a command that way when the connection drops or cannot be made, or at commandTimeout.
   */
  private call<T>(command: () => Promise<T>): Promise<T> {
    return reportingOutages('coordinator', (error) => !(error instanceof ReplyError), command);
  }

  private recordKey(key: string): string {
    return `${this.keyPrefix}record:${key}`;
  }

  private lockKey(name: string): string {
    return `${this.keyPrefix}lock:${name}`;
  }

  private bucketKey(name: string): string {
    return `${this.keyPrefix}bucket:${name}`;
  }

  private channelName(channel: string): string {
    return `${this.keyPrefix}channel:${channel}`;
  }
}
