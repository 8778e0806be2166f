import type { GcObserver } from '../workers/garbage-collector';
import type { RunOutcome, WorkerObserver } from '../workers/worker';

/** What one run of garbage collection on this process removed, as its worker reported it. */
export interface GcRunReport {
  startedAt: Date;
  endedAt: Date;
  seconds: number;
  outcome: RunOutcome;
  manifestsDeleted: number;
  linksRemoved: number;
  blobsReclaimed: number;
  bytesReclaimed: number;
  /** Blobs whose rows went but whose objects could not be deleted: the orphan sweep's to reclaim. */
  objectDeleteFailures: number;
}

/** A run as recorded, with what it failed with. */
export interface RecordedGcRun {
  report: GcRunReport;
  error?: unknown;
}

interface Tally {
  manifestsDeleted: number;
  linksRemoved: number;
  blobsReclaimed: number;
  bytesReclaimed: number;
  objectDeleteFailures: number;
}

const NOTHING: Tally = {
  manifestsDeleted: 0,
  linksRemoved: 0,
  blobsReclaimed: 0,
  bytesReclaimed: 0,
  objectDeleteFailures: 0,
};

/**
 * Records the runs of the garbage collection worker on this process, from what the worker reports
 * while it runs and what the runtime reports when a run ends, passing every report on to the
 * observers it stands in front of (metrics, logs). The runtime never overlaps two runs of a worker
 * on one process, so what is reported between two ends belongs to one run.
 */
export class GcRunLog {
  #tally: Tally = { ...NOTHING };
  #error: unknown = undefined;
  #last: RecordedGcRun | undefined;

  /** The last run that ended on this process; undefined before the first. */
  get last(): RecordedGcRun | undefined {
    return this.#last;
  }

  /** The worker's observer: tallies the run under way, and tells `next`. */
  observingWorker(next?: GcObserver): GcObserver {
    return {
      manifestDeleted: () => {
        this.#tally.manifestsDeleted += 1;
        next?.manifestDeleted();
      },
      linkRemoved: () => {
        this.#tally.linksRemoved += 1;
        next?.linkRemoved();
      },
      blobReclaimed: (bytes) => {
        this.#tally.blobsReclaimed += 1;
        this.#tally.bytesReclaimed += bytes;
        next?.blobReclaimed(bytes);
      },
      objectDeleteFailed: (key, error) => {
        this.#tally.objectDeleteFailures += 1;
        next?.objectDeleteFailed(key, error);
      },
    };
  }

  /** The runtime's observer: ends the run of the worker named `worker`, and tells `next` of every run. */
  observingRuntime(worker: string, next?: WorkerObserver): WorkerObserver {
    return {
      ran: (name, outcome, items, seconds) => {
        if (name === worker) this.#end(outcome, seconds);
        next?.ran(name, outcome, items, seconds);
      },
      failed: (name, error) => {
        if (name === worker) this.#error = error;
        next?.failed(name, error);
      },
    };
  }

  #end(outcome: RunOutcome, seconds: number): void {
    const endedAt = new Date();
    const report: GcRunReport = {
      startedAt: new Date(endedAt.getTime() - seconds * 1000),
      endedAt,
      seconds,
      outcome,
      ...this.#tally,
    };
    this.#last = this.#error === undefined ? { report } : { report, error: this.#error };
    this.#tally = { ...NOTHING };
    this.#error = undefined;
  }
}
