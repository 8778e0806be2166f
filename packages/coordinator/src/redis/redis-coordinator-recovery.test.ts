import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRedisServer, type RedisServer } from '@berth/testing/redis';
import { heard, heardTimes, listening } from '../contract/channel-contract';
import { RedisCoordinator } from './redis-coordinator';

const PORT = 6391;
// The longest a call may wait while Redis is down: one reconnect delay plus margin.
const FAIL_FAST_MS = 4_000;

async function eventually(check: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

describe('RedisCoordinator across a Redis restart', () => {
  let server: RedisServer;
  let coordinator: RedisCoordinator;

  beforeAll(async () => {
    server = await startRedisServer({ port: PORT });
    coordinator = new RedisCoordinator({ url: server.url });
  });

  afterAll(async () => {
    await coordinator.close();
    await server.stop();
  });

  it('fails fast while Redis is down and recovers by itself when it is back', async () => {
    expect(await coordinator.create('session', 'before', 60_000)).toBe(true);

    await server.stop();
    const started = Date.now();
    await expect(coordinator.create('session', 'during', 60_000)).rejects.toThrow();
    // The check says why, not only that a command gave up.
    await expect(coordinator.checkHealth()).rejects.toThrow(/^cannot connect to Redis: .*ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(FAIL_FAST_MS);

    await server.restart();
    await eventually(() => coordinator.checkHealth());
    // The new server starts empty and has none of the scripts loaded.
    expect(await coordinator.get('session')).toBeUndefined();
    expect(await coordinator.create('session', 'after', 60_000)).toBe(true);
    expect(await coordinator.compareAndSet('session', 1, 'updated', 60_000)).toBe(2);
    const lock = await coordinator.acquireLock('session', 60_000);
    expect(await coordinator.extendLock(lock!, 60_000)).toBe(true);
    expect(await coordinator.releaseLock(lock!)).toBe(true);
  });

  it('tells listeners when delivery stops and resumes, and delivers again after a restart', async () => {
    const publisher = new RedisCoordinator({ url: server.url });
    const { listener, subscription } = await listening(coordinator, 'events');
    try {
      await server.stop();
      await listener.until(heard('interrupted'));
      await server.restart();
      await listener.until(heardTimes('resumed', 2), 10_000);
      await publisher.publish('events', 'after the restart');
      await listener.until(heard('message:after the restart'));
      expect(listener.events).toEqual(['resumed', 'interrupted', 'resumed', 'message:after the restart']);
    } finally {
      await subscription.close();
      await publisher.close();
    }
  });

  it('resubscribes by itself when Redis drops the listening connection', async () => {
    const admin = new Redis(server.url);
    const { listener, subscription } = await listening(coordinator, 'events');
    try {
      expect(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub')).toBeGreaterThan(0);
      await listener.until(heardTimes('resumed', 2), 10_000);
      await admin.publish('berth:channel:events', 'after the drop');
      await listener.until(heard('message:after the drop'));
      expect(listener.events).toEqual(['resumed', 'interrupted', 'resumed', 'message:after the drop']);
    } finally {
      await subscription.close();
      await admin.quit();
    }
  });
});
