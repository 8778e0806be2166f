import type { Backends } from '@berth/core';
import type { BackendMetrics } from './backend-metrics';
import { instrumentBlobStore } from './instrumented-blob-store';
import { instrumentCoordinator } from './instrumented-coordinator';
import { instrumentMetadataStore } from './instrumented-metadata-store';

/** The backends with every call timed; services and adapters stay unaware of it. */
export function instrumentBackends(backends: Backends, metrics: BackendMetrics): Backends {
  return {
    blobs: instrumentBlobStore(backends.blobs, metrics.of('blobs')),
    metadata: instrumentMetadataStore(backends.metadata, metrics.of('metadata')),
    coordinator: instrumentCoordinator(backends.coordinator, metrics.of('coordinator')),
  };
}
