import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { request } from 'undici';
import { RegistryClient } from '../oci/registry-client';
import { cleanEnv, startChild, waitForHttp, type Child } from '../process/child';
import { processTree } from '../process/memory';
import { freePort } from '../process/ports';
import { berthTagSeeder } from './berth-tags';
import { createDatabase } from './postgres';
import { deleteKeys, REDIS_URL, uniqueKeyPrefix } from './redis';
import type { Endpoint, RegistryTarget, Storage } from './registry-target';
import { BUCKETS, type S3rverInstance } from './s3rver';

export const REPOSITORY_ROOT = resolve(__dirname, '../../../..');
export const BERTH_MAIN = join(REPOSITORY_ROOT, 'packages/cli/dist/main.js');

export interface BerthOptions {
  storage: Storage;
  /** Required for `s3`. */
  s3?: S3rverInstance;
  /** Worker processes per pod (http.workers). */
  workers: number;
  /** Folder for V8 CPU profiles of every Berth process (node --cpu-prof), written when it stops. */
  cpuProfileDir?: string;
  /** Further BERTH_* settings, over the ones every Berth target gets. */
  env?: NodeJS.ProcessEnv;
}

/** Berth as started here, with where its data lives, for scenarios that set data up behind its back. */
export interface BerthTarget extends RegistryTarget {
  readonly databaseUrl: string;
  /** The filesystem store's root; undefined on S3. */
  readonly blobRoot: string | undefined;
}

/**
 * Starts Berth as production runs it: PostgreSQL metadata in a throwaway database, Redis
 * coordination under a unique key prefix, and filesystem blobs in a temporary folder or S3 blobs
 * on s3rver. On S3, a second process on the same backends serves pulls by presigned redirect,
 * while the first streams them through itself (blobs.redirect false).
 */
export async function startBerth(options: BerthOptions): Promise<BerthTarget> {
  if (!existsSync(BERTH_MAIN)) throw new Error(`${BERTH_MAIN} is missing: run npm run build first`);
  const id = `berth-${options.storage}`;
  const database = await createDatabase(options.storage);
  const keyPrefix = uniqueKeyPrefix(id);
  const blobRoot = options.storage === 'fs' ? await mkdtemp(join(tmpdir(), 'berth-bench-blobs-')) : undefined;
  const children: Child[] = [];
  const cleanup = async (): Promise<void> => {
    await Promise.allSettled(children.map((child) => child.stop()));
    await database.drop();
    await deleteKeys(keyPrefix);
    if (blobRoot) await rm(blobRoot, { recursive: true, force: true });
  };
  try {
    const common: NodeJS.ProcessEnv = {
      ...cleanEnv(/^(BERTH_|AWS_)/),
      BERTH_HTTP_HOST: '127.0.0.1',
      BERTH_LOG_LEVEL: 'warn',
      BERTH_HTTP_WORKERS: String(options.workers),
      BERTH_METADATA_DRIVER: 'postgres',
      BERTH_METADATA_POSTGRES_URL: database.url,
      BERTH_COORDINATOR_DRIVER: 'redis',
      BERTH_COORDINATOR_REDIS_URL: REDIS_URL,
      BERTH_COORDINATOR_REDIS_KEY_PREFIX: keyPrefix,
      ...storageEnv(options, blobRoot),
      ...options.env,
    };
    const start = async (redirect: boolean): Promise<Endpoint> => {
      const port = await freePort();
      const child = startChild(
        process.execPath,
        [
          ...(options.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir] : []),
          BERTH_MAIN,
          'serve',
        ],
        { ...common, BERTH_HTTP_PORT: String(port), BERTH_BLOBS_REDIRECT: String(redirect) },
        REPOSITORY_ROOT,
      );
      children.push(child);
      const url = `http://127.0.0.1:${port}`;
      await waitForHttp(child, `${url}/readyz`, id);
      await untilEveryWorkerReady(url, options.workers, id);
      return { url, client: new RegistryClient(url), pids: () => processTree(child.pid) };
    };
    // One after the other: the first applies the migrations.
    const pod = await start(false);
    const redirectPod = options.storage === 's3' ? await start(true) : undefined;
    return {
      ...pod,
      id,
      flavor: 'berth',
      storage: options.storage,
      description:
        `${id}: node packages/cli/dist/main.js serve, PostgreSQL metadata (database ${database.name}), ` +
        `Redis coordination, ${options.storage === 'fs' ? 'filesystem blobs' : 'S3 blobs on s3rver (path-style)'}, ` +
        `http.workers ${options.workers}` +
        (redirectPod
          ? '; a second process on the same backends with blobs.redirect on serves the redirect pull'
          : ''),
      tagSeeder: berthTagSeeder(database.url),
      databaseUrl: database.url,
      blobRoot,
      log: () => children.map((child) => child.output()).join(''),
      ...(redirectPod ? { redirectPod } : {}),
      async stop() {
        await Promise.allSettled([pod.client.close(), redirectPod?.client.close()]);
        await cleanup();
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/**
 * Waits until every worker process serves: each listens before it opens its backends, answering
 * 503 "starting" meanwhile, and the first ready answer came from one of them. A worker builds its
 * metrics registry once its backends are open, and /metrics answers only once the primary has
 * collected the registry of every worker, so its first 200 means that all of them are past that;
 * then, the primary dealing new connections out round robin, this many ready answers in a row,
 * each on a new connection, are answers of every worker.
 */
async function untilEveryWorkerReady(origin: string, workers: number, name: string): Promise<void> {
  if (workers === 1) return;
  const deadline = Date.now() + 30_000;
  const answers = async (path: string): Promise<boolean> => {
    const response = await request(`${origin}${path}`, {
      reset: true,
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    await response.body.dump();
    return response.statusCode === 200;
  };
  for (let inRow = 0, served = false; inRow < 3 * workers;) {
    served ||= await answers('/metrics');
    inRow = served && (await answers('/readyz')) ? inRow + 1 : 0;
    if (Date.now() > deadline) throw new Error(`${name}: not every worker served after 30 s`);
    if (inRow === 0) await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function storageEnv(options: BerthOptions, blobRoot: string | undefined): NodeJS.ProcessEnv {
  if (blobRoot !== undefined)
    return { BERTH_BLOBS_DRIVER: 'filesystem', BERTH_BLOBS_FILESYSTEM_ROOT: blobRoot };
  const s3 = options.s3;
  if (!s3) throw new Error('Berth on S3 needs s3rver');
  return {
    BERTH_BLOBS_DRIVER: 's3',
    BERTH_BLOBS_S3_BUCKET: BUCKETS.berth,
    BERTH_BLOBS_S3_ENDPOINT: s3.endpoint,
    BERTH_BLOBS_S3_REGION: s3.region,
    BERTH_BLOBS_S3_FORCE_PATH_STYLE: 'true',
    BERTH_BLOBS_S3_ACCESS_KEY_ID: s3.accessKeyId,
    BERTH_BLOBS_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
  };
}
