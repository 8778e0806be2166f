import type { BlobStore } from '@berth/blob-store';
import type { Coordinator } from '@berth/coordinator';
import type { MetadataStore } from '@berth/metadata-store';
import { BlobService } from './blob-service';
import { ListingService } from './listing-service';
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
}

/** Settings the services need. */
export interface ServiceSettings {
  uploadSessionTtlSeconds: number;
  manifestMaxBytes: number;
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
    janitor: new UploadJanitor({
      blobs,
      coordinator,
      sessions,
      sessionTtlMs,
      ...(settings.janitorObserver ? { observer: settings.janitorObserver } : {}),
    }),
    manifests: new ManifestService({ metadata, maxBytes: settings.manifestMaxBytes }),
    listing: new ListingService({ metadata }),
  };
}
