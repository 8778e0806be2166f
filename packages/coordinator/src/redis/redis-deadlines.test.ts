import { BackendUnavailableError } from '@berth/backend-errors';
import { redisTestUrl, uniqueKeyPrefix } from '@berth/testing/redis';
import { stallProxyFor, timeToFail, type StallProxy } from '@berth/testing/stall-proxy';
import { RedisCoordinator } from './redis-coordinator';

// Short, so that a test waits for a few of them; the margin covers a loaded machine.
const COMMAND_MS = 1_000;
const MARGIN_MS = 1_000;

let proxy: StallProxy;
let coordinator: RedisCoordinator;

beforeAll(async () => {
  const proxied = await stallProxyFor(redisTestUrl());
  proxy = proxied.proxy;
  coordinator = new RedisCoordinator({
    url: proxied.url,
    keyPrefix: uniqueKeyPrefix('deadlines'),
    connectTimeoutSeconds: COMMAND_MS / 1000,
    commandTimeoutSeconds: COMMAND_MS / 1000,
  });
});
afterEach(() => proxy.thaw());
afterAll(async () => {
  await coordinator?.close();
  await proxy?.stop();
});

/** How long `work` took to fail, reported as an outage, and with what message from ioredis. */
async function failure(work: () => Promise<unknown>): Promise<{ ms: number; message: string }> {
  const { ms, error } = await timeToFail(work);
  expect(error).toBeInstanceOf(BackendUnavailableError);
  return { ms, message: (error.cause as Error).message };
}

describe('Redis deadlines, through a proxy that can freeze the server', () => {
  it('fails a command that a frozen connection never answers, within its deadline', async () => {
    await coordinator.set('key', 'value', 60_000);
    proxy.freeze();
    const { ms, message } = await failure(() => coordinator.get('key'));
    expect(message).toBe('Command timed out');
    expect(ms).toBeGreaterThanOrEqual(COMMAND_MS - 50);
    expect(ms).toBeLessThan(COMMAND_MS + MARGIN_MS);
  });

  it('fails commands queued while it reconnects to a server that accepts but never answers', async () => {
    proxy.freeze();
    // The frozen connection is dropped after a command timed out on it; the next one is held.
    await failure(() => coordinator.get('key'));
    const { ms, message } = await failure(() => coordinator.get('key'));
    expect(message).toMatch(/Command timed out|Connection is closed/);
    expect(ms).toBeLessThan(COMMAND_MS + MARGIN_MS);
  });

  it('serves again once the server thaws, with what it held', async () => {
    proxy.freeze();
    await failure(() => coordinator.get('key'));
    proxy.thaw();
    for (let tries = 0; ; tries++) {
      const value = await coordinator.get('key').catch(() => undefined);
      if (value !== undefined) {
        expect(value.value).toBe('value');
        break;
      }
      if (tries > 50) throw new Error('Redis did not come back');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await coordinator.delete('key');
  });
});
