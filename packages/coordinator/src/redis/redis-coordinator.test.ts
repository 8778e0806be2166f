import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { redisTestUrl, uniqueKeyPrefix } from '@berth/testing/redis';
import { describeCoordinatorContract } from '../contract/coordinator.contract';
import { RedisCoordinator } from './redis-coordinator';
import { BUCKET_EXPIRY_MARGIN_MS } from './redis-scripts';

const url = redisTestUrl();
const keyPrefix = uniqueKeyPrefix('coordinator-contract');

async function withRedis<T>(use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(url);
  try {
    return await use(redis);
  } finally {
    await redis.quit();
  }
}

async function keysUnder(prefix: string): Promise<string[]> {
  return withRedis(async (redis) => {
    const keys: string[] = [];
    const batches: AsyncIterable<string[]> = redis.scanStream({ match: `${prefix}*`, count: 1_000 });
    for await (const batch of batches) keys.push(...batch);
    return keys;
  });
}

/** Deletes the buckets under `prefix`, returning those that had no expiry and so would never go. */
async function discardBuckets(prefix: string): Promise<string[]> {
  const buckets = await keysUnder(`${prefix}bucket:`);
  return withRedis(async (redis) => {
    const lasting: string[] = [];
    for (const key of buckets) {
      if ((await redis.pttl(key)) < 0) lasting.push(key);
      await redis.del(key);
    }
    return lasting;
  });
}

describeCoordinatorContract('redis', async () => {
  const coordinator = new RedisCoordinator({ url, keyPrefix });
  const siblings: RedisCoordinator[] = [];
  return {
    coordinator,
    sibling() {
      const sibling = new RedisCoordinator({ url, keyPrefix });
      siblings.push(sibling);
      return sibling;
    },
    async cleanup() {
      await Promise.all([coordinator, ...siblings].map((pod) => pod.close()));
      const lasting = await discardBuckets(keyPrefix);
      if (lasting.length > 0) throw new Error(`test left buckets without expiry: ${lasting.join(', ')}`);
      const left = await keysUnder(keyPrefix);
      if (left.length > 0) throw new Error(`test left keys behind: ${left.join(', ')}`);
    },
  };
});

describe('RedisCoordinator token buckets', () => {
  const prefix = uniqueKeyPrefix('coordinator-buckets');
  let pods: RedisCoordinator[];

  beforeEach(() => {
    pods = [
      new RedisCoordinator({ url, keyPrefix: prefix }),
      new RedisCoordinator({ url, keyPrefix: prefix }),
    ];
  });

  afterEach(async () => {
    await Promise.all(pods.map((pod) => pod.close()));
    await discardBuckets(prefix);
  });

  it('are shared by every process using the same Redis', async () => {
    const limit = { capacity: 20, refillPerSecond: 0.001 };
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => pods[i % 2]!.takeTokens('b', limit, 1)),
    );
    expect(results.filter((result) => result.allowed)).toHaveLength(20);
    expect(await pods[1]!.takeTokens('b', limit, 0)).toMatchObject({ remaining: 0 });
  });

  it('expire once refilled, so unused buckets do not pile up', async () => {
    const limit = { capacity: 2, refillPerSecond: 10 };
    await pods[0]!.takeTokens('b', limit, 2);
    const key = `${prefix}bucket:b`;
    const refillMs = 200;
    const ttlMs = await withRedis((redis) => redis.pttl(key));
    expect(ttlMs).toBeGreaterThan(BUCKET_EXPIRY_MARGIN_MS);
    expect(ttlMs).toBeLessThanOrEqual(refillMs + BUCKET_EXPIRY_MARGIN_MS);
    await sleep(ttlMs + 100);
    expect(await keysUnder(prefix)).toEqual([]);
  });
});
