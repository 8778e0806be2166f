import { redisTestUrl, uniqueKeyPrefix } from '@berth/testing/redis';
import { createCoordinator } from './create-coordinator';
import { MemoryCoordinator } from './memory/memory-coordinator';
import { RedisCoordinator } from './redis/redis-coordinator';

describe('createCoordinator', () => {
  it('builds the in-memory adapter', async () => {
    const coordinator = createCoordinator({ driver: 'memory' });
    expect(coordinator).toBeInstanceOf(MemoryCoordinator);
    await coordinator.close();
  });

  it('builds the Redis adapter', async () => {
    const keyPrefix = uniqueKeyPrefix('create-coordinator');
    const coordinator = createCoordinator({ driver: 'redis', url: redisTestUrl(), keyPrefix });
    expect(coordinator).toBeInstanceOf(RedisCoordinator);
    await coordinator.checkHealth();
    await coordinator.close();
  });
});
