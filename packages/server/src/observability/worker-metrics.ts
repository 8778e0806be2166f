import type { EventLagObserver, RunOutcome, WorkerObserver } from '@berth/core';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const OUTCOMES: readonly RunOutcome[] = ['done', 'failed', 'busy', 'lost'];

/** Runs of the background workers and the lag of the event log's consumers. */
export class WorkerMetrics implements WorkerObserver, EventLagObserver {
  readonly #runs: Counter<'worker' | 'outcome'>;
  readonly #items: Counter<'worker'>;
  readonly #duration: Histogram<'worker'>;
  readonly #lastSuccess: Gauge<'worker'>;
  readonly #lag: Gauge<'consumer'>;

  /** Failures go to `onFailure` as well, for the log. */
  onFailure: (worker: string, error: unknown) => void = () => undefined;

  constructor(registry: Registry) {
    this.#runs = new Counter({
      name: 'berth_worker_runs_total',
      help: 'Runs of a background worker on this process, by outcome: done, failed, busy (another process held its lease) or lost (its lease was lost mid-run).',
      labelNames: ['worker', 'outcome'],
      registers: [registry],
    });
    this.#items = new Counter({
      name: 'berth_worker_items_total',
      help: 'Items a background worker handled on this process (writes discarded, events pruned...).',
      labelNames: ['worker'],
      registers: [registry],
    });
    this.#duration = new Histogram({
      name: 'berth_worker_run_duration_seconds',
      help: 'How long runs of a background worker took on this process, busy ones included.',
      labelNames: ['worker'],
      buckets: [0.01, 0.05, 0.25, 1, 5, 30, 120, 600],
      registers: [registry],
    });
    this.#lastSuccess = new Gauge({
      name: 'berth_worker_last_success_timestamp_seconds',
      help: 'When a run of a background worker last ended well on this process (Unix time); 0 before the first.',
      labelNames: ['worker'],
      registers: [registry],
    });
    this.#lag = new Gauge({
      name: 'berth_event_consumer_lag_seconds',
      help: 'Age of the oldest event a consumer of the event log has not handled (0 when up to date), as last seen by the event pruner.',
      labelNames: ['consumer'],
      registers: [registry],
    });
  }

  /** Creates every series of these workers now, so that rates and alerts see the first run. */
  track(workers: readonly string[]): void {
    for (const worker of workers) {
      for (const outcome of OUTCOMES) this.#runs.inc({ worker, outcome }, 0);
      this.#items.inc({ worker }, 0);
      this.#lastSuccess.set({ worker }, 0);
    }
  }

  ran(worker: string, outcome: RunOutcome, items: number, seconds: number): void {
    this.#runs.inc({ worker, outcome });
    this.#items.inc({ worker }, items);
    this.#duration.observe({ worker }, seconds);
    if (outcome === 'done') this.#lastSuccess.set({ worker }, Date.now() / 1000);
  }

  failed(worker: string, error: unknown): void {
    this.onFailure(worker, error);
  }

  consumerLag(consumer: string, seconds: number): void {
    this.#lag.set({ consumer }, seconds);
  }
}
