import type { BlobStore } from '@berth/blob-store';
import type { Coordinator } from '@berth/coordinator';
import type { MetadataStore } from '@berth/metadata-store';
import { BlobService } from './blob-service';
import { ListingService } from './listing-service';
import { ManifestCache, type ManifestCacheObserver, type ManifestCacheSettings } from './manifest-cache';
import { ManifestService } from './manifest-service';
import { UploadJanitor, type JanitorObserver } from './upload-janitor';
import { UploadService, type UploadObserver } from './upload-service';
import { UploadSessions } from './upload-sessions';

/** The three ports every service is built on. */
export interface Backends {
  blobs: BlobStore;
  metadata: MetadataStore;
  coordinator: Coordinator;
}

/** The registry's domain services. */
export interface RegistryServices {
  blobs: BlobService;
  uploads: UploadService;
  janitor: UploadJanitor;
  manifests: ManifestService;
  listing: ListingService;
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
  janitorObserver?: JanitorObserver;
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
    coordinator,
    sessions,
    sessionTtlMs,
    ...(settings.janitorObserver ? { observer: settings.janitorObserver } : {}),
  });
  return {
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
    manifests: new ManifestService({
      metadata,
      maxBytes: settings.manifestMaxBytes,
      ...(manifestCache ? { cache: manifestCache } : {}),
    }),
    listing: new ListingService({ metadata }),
    async close() {
      await Promise.all([janitor.stop(), manifestCache?.close()]);
    },
  };
}
