import type { MetadataStore } from '@berth/metadata-store/port';
import { AccessAdministration } from './access-administration';
import { ListingService } from './listing-service';
import type { ManifestCache } from './manifest-cache';
import { ManifestService } from './manifest-service';

/**
 * The services that need the metadata store alone. The CLI runs on these; the registry builds
 * its full set on them, so both apply the same rules.
 */
export interface MetadataServices {
  manifests: ManifestService;
  listing: ListingService;
  administration: AccessAdministration;
}

/** What the metadata services are built with. */
export interface MetadataServiceSettings {
  manifestMaxBytes: number;
  /** Shares manifests read between requests; absent, every read goes to the metadata store. */
  manifestCache?: ManifestCache;
}

/** Wires the services that need nothing but the metadata store. */
export function createMetadataServices(
  metadata: MetadataStore,
  { manifestMaxBytes, manifestCache }: MetadataServiceSettings,
): MetadataServices {
  return {
    manifests: new ManifestService({
      metadata,
      maxBytes: manifestMaxBytes,
      ...(manifestCache ? { cache: manifestCache } : {}),
    }),
    listing: new ListingService({ metadata }),
    administration: new AccessAdministration(metadata.access),
  };
}
