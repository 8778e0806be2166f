import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { OrphanSweeper } from '@berth/core';
import { Client } from 'pg';
import { loadConfig } from '../../src/config/load';
import { closeBackends, openBackends } from '../../src/registry';
import { BerthProcess, freePort } from './berth-process';
import type { BackendChoice, ClusterBackends } from './cluster-backends';
import {
  OCI_CONFIG,
  OCI_LAYER,
  OCI_MANIFEST,
  randomBlob,
  sha256,
  uniqueRepo,
  type OciClient,
} from './oci-client';
import { Scrape } from './prometheus';
import { startProcessCluster, type ProcessCluster } from './process-cluster';
import { pullBlob } from './upload-steps';

/** Every review due as soon as it is queued, so that a backlog is due the moment it is pushed. */
export const GC_AT_ONCE = { BERTH_GC_REVIEW_DELAY_SECONDS: '0', BERTH_GC_REVIEW_JITTER_SECONDS: '0' };

/**
 * What collecting processes run with: GC all the time and flat out (a paced pass rests for as
 * long as it waited on a backend that is down, and the faults, not the pacing, are under test),
 * and the orphan sweep often and on young objects, the two settings of it that the configuration
 * has.
 */
export const COLLECTING = {
  ...GC_AT_ONCE,
  BERTH_GC_INTERVAL_SECONDS: '0.2',
  BERTH_GC_BUSY_FRACTION: '1',
  BERTH_GC_ORPHAN_MINIMUM_AGE_SECONDS: '1',
  BERTH_GC_ORPHAN_SWEEP_INTERVAL_SECONDS: '5',
};

// What process-cluster.ts gives its processes; collectors are started beside its own.
const HARNESS_ENV = { BERTH_LOG_LEVEL: 'info', BERTH_SHUTDOWN_GRACE_SECONDS: '5' };

/**
 * A registry whose pushes go through an API pod that runs no background work, and whose
 * collectors start when the test says: a backlog pushed before they start is reviewed by nobody
 * until then, so it is all there when the fault comes.
 */
export interface GcFaultCluster<B> {
  backend: B;
  /** Its processes: the API pod first, then the collectors (not running until started). */
  cluster: ProcessCluster;
  api: BerthProcess;
  collectors: BerthProcess[];
  /** With `gateDeletes`, the S3 endpoint of each collector, by the collector's index. */
  gates: DeleteGate[];
  /** The application name each collector's PostgreSQL connections carry, by the collector's index. */
  applicationNames: string[];
}

/** A backend of the test's own, which it stops and starts. */
export interface OwnBackend<B> {
  start(port: number): Promise<B>;
  choice(backend: B): BackendChoice;
  stop(backend: B): Promise<void>;
}

/**
 * Starts the backend (if any), the backends and the API pod before the suite's tests, and stops
 * everything after them. Returns an accessor for use inside the tests.
 */
export function useGcFaultCluster<B = undefined>(options: {
  collectors: number;
  backend?: OwnBackend<B>;
  /** Puts a DeleteGate between each collector and S3. */
  gateDeletes?: boolean;
}): () => GcFaultCluster<B> {
  let backend: B | undefined;
  let state: GcFaultCluster<B> | undefined;
  const gates: DeleteGate[] = [];
  beforeAll(async () => {
    if (options.backend) backend = await options.backend.start(await freePort());
    const cluster = await startProcessCluster({
      processes: 1,
      env: { ...GC_AT_ONCE, BERTH_WORKERS_ENABLED: 'false' },
      ...(options.backend && backend !== undefined ? { backends: options.backend.choice(backend) } : {}),
    });
    const env = { ...cluster.backends.env, ...HARNESS_ENV, ...COLLECTING };
    const collectors: BerthProcess[] = [];
    const applicationNames: string[] = [];
    for (let i = 0; i < options.collectors; i++) {
      let endpoint: Record<string, string> = {};
      if (options.gateDeletes) {
        const gate = await startDeleteGate(cluster.backends.s3.endpoint, cluster.backends.s3.bucket);
        gates.push(gate);
        endpoint = { BERTH_BLOBS_S3_ENDPOINT: gate.endpoint };
      }
      // So that the server's view of its sessions tells which process each one belongs to.
      const name = `gc-collector-${i}`;
      const database = new URL(cluster.backends.env.BERTH_METADATA_POSTGRES_URL as string);
      database.searchParams.set('application_name', name);
      applicationNames.push(name);
      collectors.push(
        new BerthProcess(await freePort(), {
          ...env,
          ...endpoint,
          BERTH_METADATA_POSTGRES_URL: database.toString(),
        }),
      );
    }
    // In the cluster's list, so that its stop kills them and its log checks cover them.
    cluster.processes.push(...collectors);
    state = {
      backend: backend as B,
      cluster,
      api: cluster.processes[0] as BerthProcess,
      collectors,
      gates,
      applicationNames,
    };
  }, 120_000);
  afterAll(async () => {
    await state?.cluster.stop();
    await Promise.all(gates.map((gate) => gate.stop()));
    if (options.backend && backend !== undefined) await options.backend.stop(backend);
  }, 60_000);
  return () => {
    if (!state) throw new Error('the GC fault cluster did not start');
    return state;
  };
}

/**
 * An HTTP proxy in front of an S3 endpoint, for one process, that can hold its object deletes:
 * GC deletes an object only once the blob's row is gone, so a process with a delete held here is
 * in the middle of a GC delete, and one killed then never gets it done.
 */
export interface DeleteGate {
  /** The URL to give the process as its S3 endpoint. */
  readonly endpoint: string;
  /**
   * Holds every DELETE from now on (never passing it on) and resolves once one is held; the
   * rest of the process's requests go through.
   */
  holdDeletes(timeoutMs: number): Promise<void>;
  /** Passes deletes on again; those held stay held. */
  passDeletes(): void;
  /** Keys whose delete was held until the process went away, as the blobs table names them. */
  readonly dropped: string[];
  stop(): Promise<void>;
}

/** Starts a DeleteGate on a free port of 127.0.0.1, passing requests on to `endpoint`. */
export async function startDeleteGate(endpoint: string, bucket: string): Promise<DeleteGate> {
  const target = new URL(endpoint);
  const agent = new Agent({ keepAlive: true });
  const objects = `/${bucket}/objects/`;
  const dropped: string[] = [];
  let holding = false;
  let heldOne: (() => void) | undefined;

  const passOn = (req: IncomingMessage, res: ServerResponse): void => {
    // The Host header goes as the process sent it: its signature covers it.
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  };
  const server = createServer((req, res) => {
    if (!holding || req.method !== 'DELETE') return passOn(req, res);
    const path = (req.url ?? '').split('?')[0] as string;
    const key = path.startsWith(objects) ? decodeURIComponent(path.slice(objects.length)) : path;
    res.on('close', () => dropped.push(key));
    heldOne?.();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port assigned');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    dropped,
    holdDeletes(timeoutMs) {
      holding = true;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no delete held in ${timeoutMs} ms`)), timeoutMs);
        heldOne = () => {
          clearTimeout(timer);
          heldOne = undefined;
          resolve();
        };
      });
    },
    passDeletes() {
      holding = false;
    },
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      agent.destroy();
      await closed;
    },
  };
}

/** A tagged image that the registry acknowledged and that nothing deletes. */
export interface KeptImage {
  repository: string;
  tag: string;
  manifest: Buffer;
  blobs: Buffer[];
}

/** How many of each kind of unreachable blob to push. */
export interface BacklogShape {
  repositories: number;
  keptPerRepository: number;
  /** Blobs uploaded and never referenced: each one's link review is queued by its upload. */
  unreferenced: number;
  /** Images pushed, then deleted by digest: their links' reviews are queued by the delete. */
  deletedImages: number;
  /** Blobs uploaded, then deleted through the blob DELETE API, which queues their blob reviews. */
  deletedBlobs: number;
}

/** What a backlog holds: what must stay and what GC must reclaim. */
export interface Backlog {
  repositories: string[];
  kept: KeptImage[];
  /** Digests that nothing references once the backlog is pushed: each row and object must go. */
  doomed: Set<string>;
}

const CONCURRENCY = 12;

/** Runs tasks, `CONCURRENCY` at a time. */
async function inPool<T>(tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await (tasks[index] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return results;
}

/** A small blob of random content, of a size between 64 and 1 KiB. */
export function smallBlob(): Buffer {
  return randomBlob(64 + Math.floor(Math.random() * 960));
}

/** An image manifest naming a config and layers. */
export function imageManifest(config: Buffer, layers: Buffer[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: sha256(config), size: config.length },
      layers: layers.map((layer) => ({ mediaType: OCI_LAYER, digest: sha256(layer), size: layer.length })),
    }),
  );
}

async function expectStatus(res: Promise<Response>, status: number, what: string): Promise<void> {
  const answered = await res;
  const body = await answered.text();
  if (answered.status !== status) throw new Error(`${what} answered ${answered.status}: ${body}`);
}

/**
 * Pushes the images that stay tagged, then the unreachable blobs. Deleted images share each
 * repository's base layer with the kept ones, and kept configs are uploaded unreferenced into
 * another repository: links that go while their blobs must stay.
 */
export async function pushBacklog(client: OciClient, shape: BacklogShape): Promise<Backlog> {
  const repositories = Array.from({ length: shape.repositories }, () => uniqueRepo('gc-fault'));
  const bases = repositories.map(() => smallBlob());
  const repositoryOf = (index: number) => repositories[index % repositories.length] as string;
  const baseOf = (index: number) => bases[index % bases.length] as Buffer;
  const doomed = new Set<string>();

  const kept: KeptImage[] = [];
  for (const [r, repository] of repositories.entries()) {
    for (let i = 0; i < shape.keptPerRepository; i++) {
      const tag = `kept-${i}`;
      kept.push(await pushTagged(client, repository, tag, [smallBlob(), bases[r] as Buffer, smallBlob()]));
    }
  }

  const tasks: (() => Promise<void>)[] = [];
  for (let i = 0; i < shape.unreferenced; i++) {
    tasks.push(async () => {
      doomed.add(await client.pushBlob(repositoryOf(i), smallBlob()));
    });
  }
  for (let i = 0; i < shape.deletedImages; i++) {
    tasks.push(async () => {
      const repository = repositoryOf(i);
      const unique = [smallBlob(), smallBlob(), smallBlob()];
      const [config, ...layers] = unique as [Buffer, ...Buffer[]];
      const image = await pushTagged(client, repository, `gone-${i}`, [config, baseOf(i), ...layers]);
      await expectStatus(
        client.request('DELETE', `/v2/${repository}/manifests/${sha256(image.manifest)}`),
        202,
        'manifest delete',
      );
      for (const blob of unique) doomed.add(sha256(blob));
    });
  }
  for (let i = 0; i < shape.deletedBlobs; i++) {
    tasks.push(async () => {
      const repository = repositoryOf(i);
      const digest = await client.pushBlob(repository, smallBlob());
      await expectStatus(client.request('DELETE', `/v2/${repository}/blobs/${digest}`), 202, 'blob delete');
      doomed.add(digest);
    });
  }
  for (const image of kept) {
    tasks.push(async () => {
      const elsewhere = repositories[(repositories.indexOf(image.repository) + 1) % repositories.length];
      await client.pushBlob(elsewhere as string, image.blobs[0] as Buffer);
    });
  }
  // Mixed, so that each kind of review is spread over the queues' order.
  shuffle(tasks);
  await inPool(tasks);
  return { repositories, kept, doomed };
}

/** Uploads the blobs, then tags a manifest of them; the first blob is the config. */
export async function pushTagged(
  client: OciClient,
  repository: string,
  tag: string,
  blobs: Buffer[],
): Promise<KeptImage> {
  for (const blob of blobs) await client.pushBlob(repository, blob);
  const [config, ...layers] = blobs as [Buffer, ...Buffer[]];
  const manifest = imageManifest(config, layers);
  await expectStatus(client.putManifest(repository, tag, manifest), 201, 'manifest push');
  return { repository, tag, manifest, blobs };
}

function shuffle<T>(items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
}

/**
 * Pushes images as a client does with GC running and no review delay: upload, then the manifest;
 * a manifest refused because GC took a just-uploaded blob first is pushed again from the start.
 * Returns what was acknowledged once `stop` is aborted.
 */
export async function keepPushing(
  client: OciClient,
  repository: string,
  base: Buffer,
  stop: AbortSignal,
): Promise<{ acknowledged: KeptImage[]; refused: number }> {
  const acknowledged: KeptImage[] = [];
  let refused = 0;
  for (let round = 0; !stop.aborted; round++) {
    const blobs = [smallBlob(), base, smallBlob()];
    for (const blob of blobs) await client.pushBlob(repository, blob);
    const [config, ...layers] = blobs as [Buffer, ...Buffer[]];
    const manifest = imageManifest(config, layers);
    const tag = `live-${round}`;
    const res = await client.putManifest(repository, tag, manifest);
    const body = await res.text();
    if (res.status === 201) acknowledged.push({ repository, tag, manifest, blobs });
    else if (res.status === 400 && body.includes('MANIFEST_BLOB_UNKNOWN')) refused += 1;
    else throw new Error(`manifest push answered ${res.status}: ${body}`);
  }
  return { acknowledged, refused };
}

/** Every kept image pulls from `client` as pushed: the manifest by its tag, each blob by digest. */
export async function expectIntact(client: OciClient, kept: KeptImage[]): Promise<void> {
  const pulled = await inPool(
    kept.map((image) => async () => {
      const res = await client.request('GET', `/v2/${image.repository}/manifests/${image.tag}`, {
        headers: { Accept: OCI_MANIFEST },
      });
      const manifest = sha256(Buffer.from(await res.arrayBuffer()));
      const blobs: string[] = [];
      for (const blob of image.blobs)
        blobs.push(sha256(await pullBlob(client, image.repository, sha256(blob))));
      return { tag: image.tag, status: res.status, manifest, blobs };
    }),
  );
  expect(pulled).toEqual(
    kept.map((image) => ({
      tag: image.tag,
      status: 200,
      manifest: sha256(image.manifest),
      blobs: image.blobs.map((blob) => sha256(blob)),
    })),
  );
}

/** What the database holds beyond what the kept images need, and the queues. */
export interface Unreachable {
  links: number;
  blobs: number;
  reviews: number;
}

/** Counts what `Unreachable` names. */
export async function unreachable(backends: ClusterBackends): Promise<Unreachable> {
  const [row] = await backends.query<Unreachable>(
    `SELECT
       (SELECT count(*)::int FROM repository_blobs rb WHERE NOT EXISTS (
          SELECT 1 FROM manifest_blobs mb JOIN manifests m ON m.id = mb.manifest_id
          WHERE m.repository_id = rb.repository_id AND mb.blob_digest = rb.blob_digest)) AS links,
       (SELECT count(*)::int FROM blobs b
          WHERE NOT EXISTS (SELECT 1 FROM repository_blobs rb WHERE rb.blob_digest = b.digest)
            AND NOT EXISTS (SELECT 1 FROM manifest_blobs mb WHERE mb.blob_digest = b.digest)) AS blobs,
       (SELECT count(*)::int FROM gc_link_reviews) + (SELECT count(*)::int FROM gc_blob_reviews) AS reviews`,
  );
  if (!row) throw new Error('no row');
  return row;
}

/** Waits until GC has reviewed everything and nothing unreachable is left, or `timeoutMs` passed. */
export async function settled(backends: ClusterBackends, timeoutMs: number): Promise<Unreachable> {
  const deadline = Date.now() + timeoutMs;
  let left = await unreachable(backends);
  while ((left.links || left.blobs || left.reviews) && Date.now() < deadline) {
    await sleep(250);
    left = await unreachable(backends);
  }
  return left;
}

/** How many rows of the blobs table name one of `digests`. */
export async function rowsLeft(backends: ClusterBackends, digests: Set<string>): Promise<number> {
  const [row] = await backends.query<{ count: number }>(
    'SELECT count(*)::int AS count FROM blobs WHERE digest = ANY($1)',
    [[...digests]],
  );
  return row?.count ?? 0;
}

/** The database's blobs and links, as digests and `repository@digest`, sorted. */
export async function recorded(backends: ClusterBackends): Promise<{ blobs: string[]; links: string[] }> {
  const blobs = await backends.query<{ digest: string }>('SELECT digest FROM blobs ORDER BY digest');
  const links = await backends.query<{ link: string }>(
    `SELECT r.name || '@' || rb.blob_digest AS link
     FROM repository_blobs rb JOIN repositories r ON r.id = rb.repository_id ORDER BY 1`,
  );
  return { blobs: blobs.map((row) => row.digest), links: links.map((row) => row.link) };
}

/** What `recorded` must answer once everything unreachable is reclaimed. */
export function keptRecords(kept: KeptImage[]): { blobs: string[]; links: string[] } {
  const blobs = new Set<string>();
  const links = new Set<string>();
  for (const image of kept) {
    for (const blob of image.blobs) {
      blobs.add(sha256(blob));
      links.add(`${image.repository}@${sha256(blob)}`);
    }
  }
  return { blobs: [...blobs].sort(), links: [...links].sort() };
}

/** The sum of a series over the processes that run. */
export async function sumOf(
  processes: BerthProcess[],
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const scrapes = await Promise.all(processes.filter((pod) => pod.running).map((pod) => Scrape.of(pod.url)));
  return scrapes.reduce((sum, scrape) => sum + scrape.value(name, labels), 0);
}

/**
 * Waits until each running collector has ended two more GC runs, so that a run under way when
 * called, whose rows may be gone while its object deletes are still going out, has ended too.
 */
export async function gcRunsEnded(collectors: BerthProcess[], timeoutMs: number): Promise<void> {
  const running = collectors.filter((pod) => pod.running);
  const runs = async () =>
    Promise.all(
      running.map(async (pod) =>
        (await Scrape.of(pod.url)).value('berth_worker_runs_total', { worker: 'gc' }),
      ),
    );
  const before = await runs();
  await eventually(
    'two more GC runs ended on every collector',
    async () => ((await runs()).every((count, i) => count >= (before[i] as number) + 2) ? true : undefined),
    timeoutMs,
    100,
  );
}

/** A transaction of the test's own that GC reviews wait on, inside transactions of their own. */
export interface ReviewBlock {
  /** Ends the transaction, or only closes its connection when the server has gone. */
  release(): Promise<void>;
}

/**
 * Takes the locks that every GC review's transaction takes first (ROW SHARE or more on its
 * repository or on the blob review queue; plain reads go through), and resolves once a review of
 * each of `applicationNames` waits on them, in a transaction begun before: each of those
 * processes then holds a pooled connection in the middle of a transaction, and keeps holding it
 * until the block is released or the server goes away.
 */
export async function blockReviews(
  backends: ClusterBackends,
  applicationNames: string[],
  timeoutMs: number,
): Promise<ReviewBlock> {
  const client = new Client({ connectionString: backends.env.BERTH_METADATA_POSTGRES_URL as string });
  // The block is meant to outlive a server stopped under it: losing it then is no failure.
  client.on('error', () => {});
  await client.connect();
  const release = async () => {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.end().catch(() => undefined);
  };
  try {
    await client.query('BEGIN');
    await client.query('LOCK TABLE repositories, gc_blob_reviews IN EXCLUSIVE MODE');
    const [holder] = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
    await eventually(
      `a GC review of each of ${applicationNames.join(', ')} waiting in its transaction`,
      async () => {
        // Begun before the statement that waits: a transaction of several statements.
        const waiting = await backends.query<{ name: string }>(
          `SELECT DISTINCT application_name AS name FROM pg_stat_activity
           WHERE $1 = ANY(pg_blocking_pids(pid)) AND xact_start < query_start`,
          [holder?.pid],
        );
        const names = new Set(waiting.map((row) => row.name));
        return applicationNames.every((name) => names.has(name)) ? true : undefined;
      },
      timeoutMs,
    );
  } catch (error) {
    await release();
    throw error;
  }
  return { release };
}

/** Polls `check` until it answers something, or fails with `what` after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  pollMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not so after ${timeoutMs} ms`);
    await sleep(pollMs);
  }
}

/**
 * Waits until a process is seen deleting: its count of reclaimed blobs rose between two scrapes,
 * which it raises after each object delete of a batch whose rows it committed.
 */
export async function deletingNow(pod: BerthProcess, timeoutMs: number): Promise<number> {
  let last = (await Scrape.of(pod.url)).value('berth_gc_blobs_reclaimed_total');
  return eventually(
    `process on port ${pod.port} deleting`,
    async () => {
      const now = (await Scrape.of(pod.url)).value('berth_gc_blobs_reclaimed_total');
      const rose = now > last && last > 0;
      last = now;
      return rose ? now : undefined;
    },
    timeoutMs,
    20,
  );
}

// The sweep's age rule, and the time between its two looks at an unnamed object, shortened.
const CONFIRM_MS = 1_000;

/**
 * Runs the orphan sweep of the registry on the cluster's storage and database, twice, the second
 * look `CONFIRM_MS` after the first; returns the keys it deleted. The registry's own sweep
 * confirms ten minutes after the first look, a constant the configuration does not reach, which
 * no test can wait for: this is the same worker, with that wait shortened.
 */
export async function sweepOrphans(backends: ClusterBackends): Promise<string[]> {
  const opened = await openBackends(loadConfig(backends.env));
  try {
    const deleted: string[] = [];
    const sweeper = new OrphanSweeper({
      blobs: opened.blobs,
      metadata: opened.metadata,
      minimumAgeMs: CONFIRM_MS,
      confirmAfterMs: CONFIRM_MS,
      intervalMs: 0,
      observer: { orphanDeleted: (key) => deleted.push(key) },
    });
    const signal = new AbortController().signal;
    await sweeper.run(signal);
    await sleep(CONFIRM_MS + 100);
    await sweeper.run(signal);
    return deleted.sort();
  } finally {
    await closeBackends(opened);
  }
}
