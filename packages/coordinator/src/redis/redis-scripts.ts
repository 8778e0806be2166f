import type { Redis } from 'ioredis';

// Each script touches exactly one key (KEYS[1]), so all of them run on a single Redis node.
// Versions are compared as the strings Redis stores, avoiding Lua number conversions.

const CREATE_RECORD = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'v', 1, 'value', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

const COMPARE_AND_SET_RECORD = `
if redis.call('HGET', KEYS[1], 'v') ~= ARGV[1] then return false end
local version = redis.call('HINCRBY', KEYS[1], 'v', 1)
redis.call('HSET', KEYS[1], 'value', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return version`;

// HINCRBY creates a missing record at version 1, which is what `set` on an absent key means.
const SET_RECORD = `
redis.call('HINCRBY', KEYS[1], 'v', 1)
redis.call('HSET', KEYS[1], 'value', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])`;

const EXTEND_LOCK = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])`;

const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])`;

// A bucket's key outlives its refill by this much, so no rounding can drop a bucket still short
// of tokens; a refilled bucket reads the same as a missing one either way.
export const BUCKET_EXPIRY_MARGIN_MS = 1_000;

// ARGV: capacity, refillPerSecond, cost. The hash holds the tokens and when they were counted, in
// microseconds of the Redis server's clock, so processes with skewed clocks agree on the refill.
// Lua numbers reach Redis with full precision, so no rounding creeps into the stored values.
// Refusals and reads store nothing: the stored count, refilled to now, is still right.
const TAKE_TOKENS = `
local capacity, cost = tonumber(ARGV[1]), tonumber(ARGV[3])
local perMicrosecond = tonumber(ARGV[2]) / 1e6
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1e6 + tonumber(time[2])
local tokens = capacity
local stored = redis.call('HMGET', KEYS[1], 'tokens', 'at')
if stored[1] then
  -- After a failover the clock may run behind the one that stored the bucket; never count back.
  local elapsed = math.max(0, now - tonumber(stored[2]))
  tokens = math.min(capacity, tonumber(stored[1]) + elapsed * perMicrosecond)
end
if tokens < cost then
  return {0, math.floor(tokens), math.max(1, math.ceil((cost - tokens) / perMicrosecond / 1000))}
end
tokens = tokens - cost
if cost > 0 then
  redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now)
  local refillMs = math.ceil((capacity - tokens) / perMicrosecond / 1000)
  redis.call('PEXPIRE', KEYS[1], refillMs + ${BUCKET_EXPIRY_MARGIN_MS})
end
return {1, math.floor(tokens), 0}`;

/** The Lua scripts, in the shape of ioredis's `scripts` option. */
export const redisScripts = {
  createRecord: { lua: CREATE_RECORD, numberOfKeys: 1 },
  compareAndSetRecord: { lua: COMPARE_AND_SET_RECORD, numberOfKeys: 1 },
  setRecord: { lua: SET_RECORD, numberOfKeys: 1 },
  extendLock: { lua: EXTEND_LOCK, numberOfKeys: 1 },
  releaseLock: { lua: RELEASE_LOCK, numberOfKeys: 1 },
  takeTokens: { lua: TAKE_TOKENS, numberOfKeys: 1 },
} as const;

/**
 * A client with the scripts defined as commands. ioredis sends each one by its SHA-1 and falls
 * back to the full source on a connection that has not loaded it yet, such as after a restart.
 */
export interface ScriptedRedis extends Redis {
  /** 1 when created, 0 when the key exists. */
  createRecord(key: string, value: string, ttlMs: number): Promise<number>;
  /** The new version, or null on a version mismatch or a missing record. */
  compareAndSetRecord(
    key: string,
    expectedVersion: number,
    value: string,
    ttlMs: number,
  ): Promise<number | null>;
  setRecord(key: string, value: string, ttlMs: number): Promise<null>;
  /** 1 when extended, 0 when the token no longer holds the lock. */
  extendLock(key: string, token: string, ttlMs: number): Promise<number>;
  /** 1 when released, 0 when the token no longer holds the lock. */
  releaseLock(key: string, token: string): Promise<number>;
  /** [1 when taken else 0, whole tokens left, milliseconds until `cost` tokens are there or 0]. */
  takeTokens(
    key: string,
    capacity: number,
    refillPerSecond: number,
    cost: number,
  ): Promise<[number, number, number]>;
}
