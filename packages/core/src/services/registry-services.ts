import type { BlobStore } from '@berth/blob-store/port';
import type { Coordinator } from '@berth/coordinator/port';
import type { MetadataStore } from '@berth/metadata-store/port';
import { BlobService } from './blob-service';
import { GcRunLog } from './gc-run-log';
import { GcService } from './gc-service';
import { ManifestCache, type ManifestCacheObserver, type ManifestCacheSettings } from './manifest-cache';
import { createMetadataServices, type MetadataServices } from './metadata-services';
import { EventPruner, type EventLagObserver } from '../workers/event-pruner';
import { GarbageCollector, type GcObserver } from '../workers/garbage-collector';
import { OrphanSweeper, type OrphanObserver } from '../workers/orphan-sweeper';
import type { WorkerObserver } from '../workers/worker';
import { WorkerRuntime } from '../workers/worker-runtime';
import { UploadJanitor, type JanitorObserver } from './upload-janitor';
import { UploadService, type UploadObserver } from './upload-service';
import { UploadSessions } from './upload-sessions';

// Far longer than an upload takes between committing its object and recording its row.
const ORPHAN_CONFIRM_MS = 10 * 60_000;

/** The three ports every service is built on. */
export interface Backends {
  blobs: BlobStore;
  metadata: MetadataStore;
  coordinator: Coordinator;
}

/** The registry's domain services. */
export interface RegistryServices extends MetadataServices {
  blobs: BlobService;
  uploads: UploadService;
  janitor: UploadJanitor;
  /** Operating garbage collection: status, dry run, a run now (through `workers`). */
  gc: GcService;
  /** The background work: upload janitor, event pruning, garbage collection. Started by whoever composes the registry. */
  workers: WorkerRuntime;
  /** Stops what the services run in the background. */
  close(): Promise<void>;
}

/** Settings the services need. */
export interface ServiceSettings {
  uploadSessionTtlSeconds: number;
  manifestMaxBytes: number;
  /** Keeps manifests read in memory; undefined reads every one from the metadata store. */
  manifestCache?: ManifestCacheSettings;
  manifestCacheObserver?: ManifestCacheObserver;
  /** Presigned-URL lifetime for redirected pulls; undefined streams every pull. */
  redirectExpirySeconds?: number;
  uploadObserver?: UploadObserver;
  /** Between sweeps of the upload janitor; 0 sweeps only when asked. */
  janitorIntervalSeconds: number;
  janitorObserver?: JanitorObserver;
  /** How long events are kept once every consumer has handled them, and how often they are pruned. */
  events: { retentionSeconds: number; pruneIntervalSeconds: number };
  eventLagObserver?: EventLagObserver;
  /** How often each process reviews what garbage collection has due; 0 never. */
  gcIntervalSeconds: number;
  /** The share of its time a garbage-collection run works while it has more to do; 1 when absent. */
  gcBusyFraction?: number;
  gcObserver?: GcObserver;
  /** Blob objects no row names are deleted once this old, by a sweep this often (0: never). */
  orphans: { minimumAgeSeconds: number; sweepIntervalSeconds: number };
  orphanObserver?: OrphanObserver;
  workerObserver?: WorkerObserver;
}

/** Wires the domain services onto the backends. */
export function createRegistryServices(backends: Backends, settings: ServiceSettings): RegistryServices {
  const { blobs, metadata, coordinator } = backends;
  const sessionTtlMs = settings.uploadSessionTtlSeconds * 1000;
  const sessions = new UploadSessions(coordinator, sessionTtlMs);
  const manifestCache =
    settings.manifestCache &&
    new ManifestCache(coordinator, settings.manifestCache, settings.manifestCacheObserver);
  const janitor = new UploadJanitor({
    blobs,
    sessions,
    sessionTtlMs,
    intervalMs: settings.janitorIntervalSeconds * 1000,
    ...(settings.janitorObserver ? { observer: settings.janitorObserver } : {}),
  });
  const pruner = new EventPruner(
    metadata.events,
    {
      retentionMs: settings.events.retentionSeconds * 1000,
      intervalMs: settings.events.pruneIntervalSeconds * 1000,
    },
    settings.eventLagObserver,
  );
  // In front of the observers given, so that status and a run now can tell what runs did.
  const gcRuns = new GcRunLog();
  const collector = new GarbageCollector({
    reviews: metadata.gc,
    blobs,
    intervalMs: settings.gcIntervalSeconds * 1000,
    ...(settings.gcBusyFraction !== undefined ? { busyFraction: settings.gcBusyFraction } : {}),
    observer: gcRuns.observingWorker(settings.gcObserver),
  });
  const orphans = new OrphanSweeper({
    blobs,
    metadata,
    minimumAgeMs: settings.orphans.minimumAgeSeconds * 1000,
    confirmAfterMs: ORPHAN_CONFIRM_MS,
    intervalMs: settings.orphans.sweepIntervalSeconds * 1000,
    ...(settings.orphanObserver ? { observer: settings.orphanObserver } : {}),
  });
  const workers = new WorkerRuntime(
    coordinator,
    [janitor, pruner, collector, orphans],
    gcRuns.observingRuntime(collector.name, settings.workerObserver),
  );
  return {
    ...createMetadataServices(metadata, {
      manifestMaxBytes: settings.manifestMaxBytes,
      ...(manifestCache ? { manifestCache } : {}),
    }),
    blobs: new BlobService({
      blobs,
      metadata,
      ...(settings.redirectExpirySeconds !== undefined
        ? { redirectExpirySeconds: settings.redirectExpirySeconds }
        : {}),
    }),
    uploads: new UploadService({
      blobs,
      metadata,
      sessions,
      ...(settings.uploadObserver ? { observer: settings.uploadObserver } : {}),
    }),
    janitor,
    gc: new GcService({
      reviews: metadata.gc,
      collector: {
        workers,
        worker: collector.name,
        runs: gcRuns,
        intervalSeconds: settings.gcIntervalSeconds,
      },
    }),
    workers,
    async close() {
      await Promise.all([workers.stop(), manifestCache?.close()]);
    },
  };
}
