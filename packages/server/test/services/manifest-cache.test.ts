import { setTimeout as sleep } from 'node:timers/promises';
import { createCoordinator, type Coordinator } from '@berth/coordinator';
import { ManifestCache, type ManifestCacheSettings } from '@berth/core';
import type { ManifestRecord } from '@berth/metadata-store';
import { startRedisServer, type RedisServer } from '@berth/testing/redis';
import { freePort } from '../support/berth-process';
import { sha256 } from '../support/oci-client';

const SETTINGS: ManifestCacheSettings = { ttlMs: 300_000, maxBytes: 1024 * 1024 };

function manifest(content: string): ManifestRecord {
  const payload = Buffer.from(content);
  return {
    digest: sha256(payload),
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    size: payload.length,
    payload,
  };
}

/** A metadata lookup that counts its calls and answers whatever the test last stored. */
function database(initial: ManifestRecord | undefined) {
  let current = initial;
  const source = {
    loads: 0,
    set: (next: ManifestRecord | undefined) => {
      current = next;
    },
    load: async () => {
      source.loads++;
      return current;
    },
  };
  return source;
}

async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(20);
  }
}

// Two processes of one deployment: each has its own coordinator connection and its own cache.
describe('ManifestCache across processes sharing Redis', () => {
  let redis: RedisServer;
  let pods: Coordinator[];
  let caches: ManifestCache[];
  const lookups: boolean[] = [];
  const broadcastFailures: string[] = [];

  /** A cache on its own coordinator, once it hears broadcasts. */
  async function cacheOnNewPod(settings = SETTINGS): Promise<ManifestCache> {
    const coordinator = createCoordinator({ driver: 'redis', url: redis.url });
    pods.push(coordinator);
    const cache = new ManifestCache(coordinator, settings, {
      lookedUp: (hit) => lookups.push(hit),
      broadcastFailed: (repository) => broadcastFailures.push(repository),
    });
    caches.push(cache);
    await eventually(() => cache.hearing, 'the cache hears broadcasts');
    return cache;
  }

  beforeAll(async () => {
    redis = await startRedisServer({ port: await freePort() });
  });

  afterAll(async () => {
    await redis.stop();
  });

  beforeEach(() => {
    pods = [];
    caches = [];
    lookups.length = 0;
    broadcastFailures.length = 0;
  });

  afterEach(async () => {
    await Promise.all(caches.map((cache) => cache.close()));
    await Promise.all(pods.map((pod) => pod.close()));
  });

  it('answers repeated reads from memory, by repository and reference', async () => {
    const cache = await cacheOnNewPod();
    const db = database(manifest('v1'));
    for (let i = 0; i < 3; i++) expect(await cache.read('repo', 'latest', db.load)).toEqual(manifest('v1'));
    expect(db.loads).toBe(1);
    await cache.read('repo', 'other', db.load);
    await cache.read('repo/two', 'latest', db.load);
    expect(db.loads).toBe(3);
    expect(lookups).toEqual([false, true, true, false, false]);
  });

  it('never keeps a manifest that was not found', async () => {
    const cache = await cacheOnNewPod();
    const db = database(undefined);
    expect(await cache.read('repo', 'latest', db.load)).toBeUndefined();
    db.set(manifest('pushed'));
    expect(await cache.read('repo', 'latest', db.load)).toEqual(manifest('pushed'));
  });

  it('drops a repository in every process when one of them announces a change', async () => {
    const [writer, reader] = [await cacheOnNewPod(), await cacheOnNewPod()];
    const db = database(manifest('v1'));
    await reader.read('repo', 'latest', db.load);
    await reader.read('untouched', 'latest', db.load);
    db.set(manifest('v2'));
    await writer.changed('repo');
    // Within the time-to-live (minutes here), so only the broadcast can have dropped it.
    await eventually(
      async () => (await reader.read('repo', 'latest', db.load))?.digest === manifest('v2').digest,
      'the reader serves the new manifest',
    );
    expect(await reader.read('untouched', 'latest', db.load)).toEqual(manifest('v1'));
    expect(broadcastFailures).toEqual([]);
  });

  it('does not keep what a read loaded while a change was announced', async () => {
    const cache = await cacheOnNewPod();
    let release!: () => void;
    const slowLoad = async (): Promise<ManifestRecord> => {
      await new Promise<void>((resolve) => (release = resolve));
      return manifest('read before the change');
    };
    const reading = cache.read('repo', 'latest', slowLoad);
    await cache.changed('repo');
    release();
    expect(await reading).toEqual(manifest('read before the change'));
    const db = database(manifest('after the change'));
    expect(await cache.read('repo', 'latest', db.load)).toEqual(manifest('after the change'));
  });

  it('keeps nothing while broadcasts cannot be heard, and caches again once they can', async () => {
    const cache = await cacheOnNewPod();
    const db = database(manifest('v1'));
    await cache.read('repo', 'latest', db.load);
    await redis.stop();
    await eventually(() => !cache.hearing, 'the cache notices');
    // Another process may change the repository now, and this one would never hear of it.
    await cache.read('repo', 'latest', db.load);
    await cache.read('repo', 'latest', db.load);
    expect(db.loads).toBe(3);
    // Announcing fails while Redis is down, but the writer's request must not.
    await expect(cache.changed('repo')).resolves.toBeUndefined();
    expect(broadcastFailures).toEqual(['repo']);

    await redis.restart();
    await eventually(() => cache.hearing, 'the cache hears broadcasts again');
    await cache.read('repo', 'latest', db.load);
    await cache.read('repo', 'latest', db.load);
    expect(db.loads).toBe(4);
  });

  it('serves an entry no longer than its time-to-live', async () => {
    const cache = await cacheOnNewPod({ ...SETTINGS, ttlMs: 200 });
    const db = database(manifest('v1'));
    await cache.read('repo', 'latest', db.load);
    await cache.read('repo', 'latest', db.load);
    expect(db.loads).toBe(1);
    await sleep(300);
    await cache.read('repo', 'latest', db.load);
    expect(db.loads).toBe(2);
  });

  it('holds no more than its size in bytes, evicting the least recently used', async () => {
    const cache = await cacheOnNewPod({ ...SETTINGS, maxBytes: 4096 });
    const big = database(manifest('x'.repeat(5000)));
    await cache.read('repo', 'big', big.load);
    await cache.read('repo', 'big', big.load);
    expect(big.loads).toBe(2);

    const small = database(manifest('y'.repeat(1500)));
    for (const tag of ['a', 'b', 'c']) await cache.read('repo', tag, small.load);
    expect(small.loads).toBe(3);
    // Two of 1.5 KB fit in 4 KiB with their overhead, three do not: 'a' went first.
    await cache.read('repo', 'c', small.load);
    await cache.read('repo', 'b', small.load);
    expect(small.loads).toBe(3);
    await cache.read('repo', 'a', small.load);
    expect(small.loads).toBe(4);
  });
});
