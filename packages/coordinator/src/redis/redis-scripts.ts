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

/** The Lua scripts, in the shape of ioredis's `scripts` option. */
export const redisScripts = {
  createRecord: { lua: CREATE_RECORD, numberOfKeys: 1 },
  compareAndSetRecord: { lua: COMPARE_AND_SET_RECORD, numberOfKeys: 1 },
  setRecord: { lua: SET_RECORD, numberOfKeys: 1 },
  extendLock: { lua: EXTEND_LOCK, numberOfKeys: 1 },
  releaseLock: { lua: RELEASE_LOCK, numberOfKeys: 1 },
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
}
