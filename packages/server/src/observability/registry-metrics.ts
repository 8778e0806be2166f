import { Registry, collectDefaultMetrics } from 'prom-client';
import { HttpMetrics } from '../http/metrics';
import { AccessMetrics } from './access-metrics';
import { BackendMetrics } from './backend-metrics';
import { BlobMetrics } from './blob-metrics';
import { CacheMetrics } from './cache-metrics';
import { registerEscapedErrors } from './escaped-errors';
import { GcMetrics } from './gc-metrics';
import { WorkerMetrics } from './worker-metrics';

/**
 * The registry's Prometheus metrics, every one documented in the README's Metrics section; one
 * set per app so several apps can share a process in tests.
 */
export class RegistryMetrics {
  readonly registry = new Registry();
  readonly http = new HttpMetrics(this.registry);
  readonly backends = new BackendMetrics(this.registry);
  readonly caches = new CacheMetrics(this.registry);
  readonly access = new AccessMetrics(this.registry, this.caches);
  readonly blobs: BlobMetrics;
  readonly workers = new WorkerMetrics(this.registry);
  readonly gc = new GcMetrics(this.registry);

  /** `blobStore` names the blob-store adapter, for the `store` label. */
  constructor({ blobStore }: { blobStore: string }) {
    this.blobs = new BlobMetrics(this.registry, blobStore);
    registerEscapedErrors(this.registry);
    collectDefaultMetrics({ register: this.registry, prefix: 'berth_' });
  }
}
