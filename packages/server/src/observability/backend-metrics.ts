import { Counter, Histogram, type Registry } from 'prom-client';
import type { OperationMetrics } from './timed-methods';

/** The three ports, as metrics name them. */
export type BackendName = 'blobs' | 'metadata' | 'coordinator';

/** Latency and failures of every call the registry makes to its backends. */
export class BackendMetrics {
  readonly #duration: Histogram<'backend' | 'operation'>;
  readonly #errors: Counter<'backend' | 'operation'>;

  constructor(registry: Registry) {
    this.#duration = new Histogram({
      name: 'berth_backend_operation_duration_seconds',
      help: 'Duration of calls to a backend port by backend and operation (method), failed calls included.',
      labelNames: ['backend', 'operation'],
      // From a Redis round trip on loopback to an append streaming a large layer.
      buckets: [
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
        60,
      ],
      registers: [registry],
    });
    this.#errors = new Counter({
      name: 'berth_backend_operation_errors_total',
      help: 'Calls to a backend port that threw or rejected, by backend and operation (method).',
      labelNames: ['backend', 'operation'],
      registers: [registry],
    });
  }

  /** The metrics of one backend's operations; each operation's error count starts at 0. */
  of(backend: BackendName): OperationMetrics {
    return (operation) => {
      const labels = { backend, operation };
      this.#errors.inc(labels, 0);
      return (seconds, failed) => {
        this.#duration.observe(labels, seconds);
        if (failed) this.#errors.inc(labels);
      };
    };
  }
}
