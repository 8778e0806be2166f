import type { GcReviews } from '@berth/metadata-store/port';
import type { WorkerRuntime } from '../workers/worker-runtime';
import {
  gcDryRunOf,
  gcRunNowReportOf,
  gcStatusOf,
  type GcDryRun,
  type GcRunNowReport,
  type GcStatus,
} from './gc-reports';
import type { GcRunLog, GcRunReport } from './gc-run-log';

/** The garbage collection worker of a process, run through its runtime. */
export interface GcCollector {
  workers: WorkerRuntime;
  /** The worker's name in the runtime. */
  worker: string;
  runs: GcRunLog;
  /** How often the process runs it on its own; 0 never. */
  intervalSeconds: number;
}

/**
 * Operating garbage collection, the same for the admin API and the CLI: how its queues stand,
 * what a run now would remove, and a run now. A run now reviews only what is due: it never
 * shortens the review delay, which is what keeps a client that just checked a blob exists safe.
 */
export class GcService {
  constructor(
    private readonly deps: {
      reviews: GcReviews;
      /** Absent where the process cannot collect (it reads the metadata alone). */
      collector?: GcCollector;
    },
  ) {}

  async status(): Promise<GcStatus> {
    const { reviews, collector } = this.deps;
    const stats = await reviews.stats();
    if (!collector) return gcStatusOf(stats);
    const lastRun = collector.runs.last?.report;
    return gcStatusOf(stats, { intervalSeconds: collector.intervalSeconds, ...(lastRun ? { lastRun } : {}) });
  }

  /** What a run now would remove, changing nothing. */
  async dryRun(): Promise<GcDryRun> {
    return gcDryRunOf(await this.deps.reviews.previewDueReviews());
  }

  /**
   * Runs the worker now, once: a run reviews until nothing due is left that it can review, so what
   * is still due after it is held by writes, or came due meanwhile, and waits for a later run.
   * Throws what the run failed with.
   */
  async runNow(): Promise<GcRunNowReport> {
    const { reviews, collector } = this.deps;
    if (!collector) throw new Error('garbage collection cannot run in this process');
    const run = await runOnce(collector);
    return gcRunNowReportOf(run, await reviews.stats());
  }
}

async function runOnce({ workers, worker, runs }: GcCollector): Promise<GcRunReport> {
  const { outcome } = await workers.runOnce(worker);
  // The runtime runs one at a time here and records each as it ends, so the last is this one.
  const recorded = runs.last;
  if (outcome === 'failed' || !recorded) {
    const error = recorded?.error;
    throw error instanceof Error ? error : new Error(`the ${worker} worker failed`, { cause: error });
  }
  return recorded.report;
}
