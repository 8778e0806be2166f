import { Redis } from 'ioredis';
import { redisTestUrl, uniqueKeyPrefix } from '@berth/testing/redis';
import { describeCoordinatorContract } from '../contract/coordinator.contract';
import { RedisCoordinator } from './redis-coordinator';

const url = redisTestUrl();
const keyPrefix = uniqueKeyPrefix('coordinator-contract');

async function keysUnder(prefix: string): Promise<string[]> {
  const redis = new Redis(url);
  try {
    const keys: string[] = [];
    const batches: AsyncIterable<string[]> = redis.scanStream({ match: `${prefix}*`, count: 1_000 });
    for await (const batch of batches) keys.push(...batch);
    return keys;
  } finally {
    await redis.quit();
  }
}

describeCoordinatorContract('redis', async () => {
  const coordinator = new RedisCoordinator({ url, keyPrefix });
  return {
    coordinator,
    async cleanup() {
      await coordinator.close();
      const left = await keysUnder(keyPrefix);
      if (left.length > 0) throw new Error(`test left keys behind: ${left.join(', ')}`);
    },
  };
});
