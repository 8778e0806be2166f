import cluster from 'node:cluster';
import { createBlobStore, type BlobStoreConfig } from '@berth/blob-store';
import { createCoordinator, type CoordinatorConfig } from '@berth/coordinator';
import { createMetadataStore, type MetadataStoreConfig, type PgliteHolder } from '@berth/metadata-store';
import type { Express } from 'express';
import type { Logger } from 'pino';
import {
  createRegistryServices,
  type Backends,
  type GcService,
  type ServiceSettings,
  type UploadJanitor,
  type WorkerRuntime,
} from '@berth/core';
import type { AccessServices } from './auth/access-services';
import type { Config } from './config/schema';
import { createAccessServices } from './auth/access-services';
import { createApp } from './http/app';
import { InFlightHandlers } from './http/in-flight';
import { instrumentBackends } from './observability/instrumented-backends';
import { sharePodMetrics } from './observability/pod-metrics';
import { RegistryMetrics } from './observability/registry-metrics';
import { startupStep, type BackendName } from './startup-failure';

// The adapters' options are the configuration's own sections (composed from their schemas), so
// these only pick the section the driver names.
function blobStoreConfig({ blobs }: Config): BlobStoreConfig {
  return blobs.driver === 'filesystem'
    ? { driver: 'filesystem', ...blobs.filesystem }
    : { driver: 's3', ...blobs.s3 };
}

/** The metadata adapter settings named by the configuration. */
export function metadataStoreConfig({ metadata }: Config): MetadataStoreConfig {
  return metadata.driver === 'pglite'
    ? { driver: 'pglite', ...metadata.pglite }
    : { driver: 'postgres', ...metadata.postgres };
}

function coordinatorConfig({ coordinator }: Config): CoordinatorConfig {
  return coordinator.driver === 'memory' ? { driver: 'memory' } : { driver: 'redis', ...coordinator.redis };
}

// Handlers cut off at the end of a graceful stop get this long to release their locks.
const HANDLER_SETTLE_MS = 3_000;

/** A running registry: its HTTP application and the backends it holds open. */
export interface Registry {
  app: Express;
  backends: Backends;
  access: AccessServices;
  /** Discards abandoned uploads; a worker, run every `uploads.janitorIntervalSeconds` unless 0. */
  janitor: UploadJanitor;
  /** The background work, started unless `workers.enabled` is off. */
  workers: WorkerRuntime;
  /** Operating garbage collection; lent to CLI commands run on the registry's behalf. */
  gc: GcService;
  /** Marks the registry as draining: readiness fails so load balancers stop sending traffic. */
  drain(): void;
  close(): Promise<void>;
}

/** Closes the backends `openBackends` opened, each whatever the others do. */
export async function closeBackends({ blobs, metadata, coordinator }: Backends): Promise<void> {
  await Promise.allSettled([blobs.close(), metadata.close(), coordinator.close()]);
}

/** How this process opens its backends, beyond what the configuration says. */
export interface OpenOptions {
  /** How the process describes itself to others while it holds an embedded data directory. */
  metadataHolder?: PgliteHolder;
}

/** Opens the backends named by the configuration, migrates the metadata store and builds the app. */
export async function openBackends(config: Config, options: OpenOptions = {}): Promise<Backends> {
  const blobs = await startupStep(config, 'blobs', 'cannot be opened', () =>
    createBlobStore(blobStoreConfig(config)),
  );
  const coordinator = createCoordinator(coordinatorConfig(config));
  try {
    const metadataConfig = metadataStoreConfig(config);
    const metadata = await startupStep(config, 'metadata', 'cannot be opened', () =>
      createMetadataStore(
        metadataConfig.driver === 'pglite' && options.metadataHolder
          ? { ...metadataConfig, holder: options.metadataHolder }
          : metadataConfig,
      ),
    );
    return { blobs, metadata, coordinator };
  } catch (error) {
    // An open Redis connection would keep a process that failed to start alive.
    await Promise.allSettled([blobs.close(), coordinator.close()]);
    throw error;
  }
}

/**
 * The settings of the registry's services that the configuration gives, observers aside: the
 * server adds its metrics and logs, the CLI runs the same services without them.
 */
export function serviceSettings(config: Config): ServiceSettings {
  // Redirect by default wherever the store can presign (it answers undefined where it cannot).
  const redirect = config.blobs.redirect ?? config.blobs.driver === 's3';
  return {
    uploadSessionTtlSeconds: config.uploads.sessionTtlSeconds,
    manifestMaxBytes: config.manifests.maxBytes,
    ...(config.manifests.cache.ttlSeconds > 0
      ? {
          manifestCache: {
            ttlMs: config.manifests.cache.ttlSeconds * 1000,
            maxBytes: config.manifests.cache.maxBytes,
          },
        }
      : {}),
    ...(redirect ? { redirectExpirySeconds: config.blobs.redirectExpirySeconds } : {}),
    janitorIntervalSeconds: config.uploads.janitorIntervalSeconds,
    events: config.events,
    // A process kept out of background work runs garbage collection only when asked.
    gcIntervalSeconds: config.workers.enabled ? config.gc.intervalSeconds : 0,
    gcBusyFraction: config.gc.busyFraction,
    orphans: {
      minimumAgeSeconds: config.gc.orphanMinimumAgeSeconds,
      sweepIntervalSeconds: config.gc.orphanSweepIntervalSeconds,
    },
  };
}

/** Builds a registry on open backends; `openRegistry` does both. */
export function createRegistry(config: Config, opened: Backends, logger: Logger): Registry {
  const metrics = new RegistryMetrics({ blobStore: opened.blobs.kind });
  if (cluster.isWorker) sharePodMetrics(metrics.registry);
  // Everything below reaches the backends through these, so every call is measured.
  const backends = instrumentBackends(opened, metrics.backends);
  const services = createRegistryServices(backends, {
    ...serviceSettings(config),
    manifestCacheObserver: {
      lookedUp: (hit) => metrics.caches.lookedUp('manifests', hit),
      broadcastFailed: (repository, error) =>
        logger.warn(
          { err: error, repository },
          'could not tell other processes that a repository changed: they may serve its old manifests until their cache entries expire',
        ),
    },
    uploadObserver: metrics.blobs.uploads,
    janitorObserver: {
      discarded: (key) => {
        metrics.blobs.abandonedUploadDiscarded();
        logger.info({ key }, 'discarded the bytes of an abandoned upload');
      },
    },
    eventLagObserver: metrics.workers,
    gcObserver: metrics.gc,
    orphanObserver: metrics.gc,
    workerObserver: metrics.workers,
  });
  const { janitor, workers } = services;
  metrics.workers.onFailure = (worker, error) =>
    logger.warn({ err: error, worker }, 'a background run failed');
  metrics.gc.onObjectDeleteFailed = (key, error) =>
    logger.warn(
      { err: error, key },
      'could not delete the object of a reclaimed blob; the orphan sweep will',
    );
  metrics.gc.readQueuesFrom(() => backends.metadata.gc.stats());
  metrics.workers.track(workers.names);
  if (config.workers.enabled) workers.start();
  let draining = false;
  const probes = [
    { name: 'blobs', check: () => backends.blobs.checkHealth() },
    { name: 'metadata', check: () => backends.metadata.checkHealth() },
    { name: 'coordinator', check: () => backends.coordinator.checkHealth() },
  ];
  const inFlight = new InFlightHandlers();
  const access = createAccessServices(
    config,
    {
      access: backends.metadata.access,
      coordinator: backends.coordinator,
      administration: services.administration,
    },
    logger,
    metrics.access,
  );
  const app = createApp({
    services,
    access,
    metrics,
    logger,
    probes,
    isDraining: () => draining,
    inFlight,
    trustedProxyHops: config.http.trustedProxyHops,
  });
  return {
    app,
    backends,
    access,
    janitor,
    workers,
    gc: services.gc,
    drain: () => {
      draining = true;
    },
    close: async () => {
      await inFlight.settled(HANDLER_SETTLE_MS);
      await services.close();
      await closeBackends(backends);
    },
  };
}

/**
 * Opens backends, checks that each one works (a blob root that cannot be written fails here,
 * not at the first push), applies pending migrations and builds the registry. A failure is a
 * StartupError naming the backend's setting.
 */
export async function openRegistry(
  config: Config,
  logger: Logger,
  options: OpenOptions = {},
): Promise<Registry> {
  const backends = await openBackends(config, options);
  let registry: Registry | undefined;
  try {
    for (const name of ['metadata', 'coordinator', 'blobs'] as const satisfies BackendName[]) {
      await startupStep(config, name, 'failed its check', () => backends[name].checkHealth());
    }
    const applied = await startupStep(config, 'metadata', 'cannot be migrated', () =>
      backends.metadata.migrate(),
    );
    if (applied.length > 0) logger.info({ migrations: applied }, 'applied metadata migrations');
    await backends.metadata.gc.configure({
      reviewDelaySeconds: config.gc.reviewDelaySeconds,
      reviewJitterSeconds: config.gc.reviewJitterSeconds,
      untaggedManifests: config.gc.untaggedManifests,
    });
    registry = createRegistry(config, backends, logger);
    await bootstrapInitialAdmin(registry, config, logger);
    return registry;
  } catch (error) {
    await (registry ? registry.close() : closeBackends(backends));
    throw error;
  }
}

async function bootstrapInitialAdmin(registry: Registry, config: Config, logger: Logger): Promise<void> {
  const { initialAdmin } = config.auth;
  if (!registry.access.auth || !initialAdmin) return;
  const created = await registry.access.auth.administration.bootstrapAdmin(
    initialAdmin.username,
    initialAdmin.password,
  );
  if (created) logger.info({ user: initialAdmin.username }, 'created the initial global admin');
}
