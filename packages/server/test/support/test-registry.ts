import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { createTestDatabase } from '@berth/testing/postgres';
import { redisTestUrl, uniqueKeyPrefix } from '@berth/testing/redis';
import { startS3TestServer } from '@berth/testing/s3';
import { configSchema, type Config } from '../../src/config/schema';
import { startServer, type RunningServer } from '../../src/server';

/** The two ways the registry runs: on the production backends, and on the embedded default. */
export type Flavor = 'production' | 'embedded';

export const FLAVORS: Flavor[] = ['production', 'embedded'];

/** A registry listening on a random loopback port, with everything it created removed by `stop`. */
export interface TestRegistry {
  url: string;
  config: Config;
  running: RunningServer;
  /** Everything in blob storage: S3 objects and incomplete uploads, or files under the root. */
  listBlobStorage(): Promise<string[]>;
  stop(): Promise<void>;
}

type ConfigInput = Record<string, Record<string, unknown>>;

/** The backends a production-flavor registry reaches, each by the URL it is configured with. */
export type BackendName = 'blobs' | 'metadata' | 'coordinator';

/** Given a backend and its URL, the URL the registry should use instead (a proxy's, say). */
export type BackendRoute = (backend: BackendName, url: string) => Promise<string>;

const direct: BackendRoute = async (_backend, url) => url;

/**
 * Starts a registry of a flavor; `overrides` are merged into its configuration. It logs nothing
 * unless given a logger, for tests of what it logs. `route` may lead the production backends'
 * connections elsewhere.
 */
export async function startTestRegistry(
  flavor: Flavor,
  overrides: ConfigInput = {},
  logger: Logger = pino({ level: 'silent' }),
  route: BackendRoute = direct,
): Promise<TestRegistry> {
  const cleanups: (() => Promise<void>)[] = [];
  const base: ConfigInput = { http: { host: '127.0.0.1', port: 0 }, log: { level: 'silent' } };
  let listBlobStorage: () => Promise<string[]>;
  if (flavor === 'embedded') {
    const dir = await mkdtemp(join(tmpdir(), 'berth-embedded-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    listBlobStorage = () => filesUnder(join(dir, 'blobs'));
    Object.assign(base, {
      blobs: { driver: 'filesystem', filesystem: { root: join(dir, 'blobs') } },
      metadata: { driver: 'pglite', pglite: { dataDir: join(dir, 'metadata') } },
      coordinator: { driver: 'memory' },
    });
  } else {
    const s3 = await startS3TestServer();
    cleanups.push(() => s3.stop());
    listBlobStorage = () => s3.listLeftovers('');
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    Object.assign(base, {
      blobs: {
        driver: 's3',
        s3: {
          bucket: s3.bucket,
          endpoint: await route('blobs', s3.endpoint),
          region: s3.region,
          forcePathStyle: true,
          accessKeyId: s3.accessKeyId,
          secretAccessKey: s3.secretAccessKey,
        },
      },
      metadata: { driver: 'postgres', postgres: { url: await route('metadata', database.url), poolSize: 5 } },
      coordinator: {
        driver: 'redis',
        redis: { url: await route('coordinator', redisTestUrl()), keyPrefix: uniqueKeyPrefix('api') },
      },
    });
  }
  const config = configSchema.parse(merged(base, overrides));
  let running: RunningServer;
  try {
    running = await startServer(config, logger);
  } catch (error) {
    for (const cleanup of cleanups.reverse()) await cleanup();
    throw error;
  }
  return {
    url: running.url,
    config,
    running,
    listBlobStorage,
    stop: async () => {
      await running.stop();
      for (const cleanup of cleanups.reverse()) await cleanup();
    },
  };
}

/** `base` with `overrides` laid over it, objects merged key by key at every depth. */
function merged(base: unknown, overrides: unknown): unknown {
  if (!isObject(base) || !isObject(overrides)) return overrides === undefined ? base : overrides;
  const keys = new Set([...Object.keys(base), ...Object.keys(overrides)]);
  return Object.fromEntries([...keys].map((key) => [key, merged(base[key], overrides[key])]));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true }).catch(
    (error: NodeJS.ErrnoException) => {
      // The store makes its root on first use.
      if (error.code === 'ENOENT') return [];
      throw error;
    },
  );
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/** Runs a describe block once per flavor, with a registry started before and stopped after it. */
export function describeEachFlavor(
  title: string,
  body: (registry: () => TestRegistry) => void,
  overrides: ConfigInput = {},
): void {
  describe.each(FLAVORS)(`${title} [%s]`, (flavor) => {
    let registry: TestRegistry | undefined;
    beforeAll(async () => {
      registry = await startTestRegistry(flavor, overrides);
    }, 120_000);
    afterAll(async () => {
      await registry?.stop();
    }, 60_000);
    body(() => {
      if (!registry) throw new Error('registry not started');
      return registry;
    });
  });
}
