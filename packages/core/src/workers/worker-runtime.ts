import type { Coordinator } from '@berth/coordinator/port';
import { LeaseLostError, withLease } from './lease';
import type { RunOutcome, Worker, WorkerObserver } from './worker';

// Renewed while a run goes on; a process that dies mid-run holds the others off this long at most.
const LEASE_TTL_MS = 60_000;

const noObserver: WorkerObserver = { ran() {}, failed() {} };

/** What one run did. */
export interface RunReport {
  outcome: RunOutcome;
  items: number;
}

/**
 * Runs the registry's workers in the background, each every its interval after the previous run
 * ended, exclusive ones under a lease named after them. Runs never overlap on one process.
 */
export class WorkerRuntime {
  readonly #workers = new Map<string, Worker>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #running = new Map<string, Promise<RunReport>>();
  readonly #stopping = new AbortController();

  constructor(
    private readonly coordinator: Coordinator,
    workers: readonly Worker[],
    private readonly observer: WorkerObserver = noObserver,
  ) {
    for (const worker of workers) this.#workers.set(worker.name, worker);
  }

  get names(): string[] {
    return [...this.#workers.keys()];
  }

  /** Starts every worker whose interval is above 0 on its timer. */
  start(): void {
    for (const worker of this.#workers.values()) if (worker.intervalMs > 0) this.#schedule(worker);
  }

  /** Runs a worker now (waiting for a run of it under way here to end first). */
  async runOnce(name: string): Promise<RunReport> {
    const worker = this.#workers.get(name);
    if (!worker) throw new Error(`no worker named ${name}`);
    await this.#running.get(name)?.catch(() => undefined);
    const run = this.#run(worker);
    this.#running.set(name, run);
    try {
      return await run;
    } finally {
      if (this.#running.get(name) === run) this.#running.delete(name);
    }
  }

  /** Stops every worker: runs under way are told to stop, and awaited. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    for (const timer of this.#timers.values()) clearTimeout(timer);
    await Promise.allSettled(this.#running.values());
  }

  #schedule(worker: Worker): void {
    if (this.#stopping.signal.aborted) return;
    const timer = setTimeout(() => {
      this.runOnce(worker.name).then(
        () => this.#schedule(worker),
        () => this.#schedule(worker),
      );
    }, worker.intervalMs);
    // Background work alone must never keep the process alive.
    timer.unref();
    this.#timers.set(worker.name, timer);
  }

  async #run(worker: Worker): Promise<RunReport> {
    const started = performance.now();
    const report = await this.#attempt(worker);
    this.observer.ran(worker.name, report.outcome, report.items, (performance.now() - started) / 1000);
    return report;
  }

  async #attempt(worker: Worker): Promise<RunReport> {
    const stopping = this.#stopping.signal;
    try {
      if (!worker.exclusive) return { outcome: 'done', items: await worker.run(stopping) };
      const leased = await withLease(
        this.coordinator,
        `worker:${worker.name}`,
        LEASE_TTL_MS,
        worker.run.bind(worker),
        stopping,
      );
      return leased.held ? { outcome: 'done', items: leased.value } : { outcome: 'busy', items: 0 };
    } catch (error) {
      this.observer.failed(worker.name, error);
      return { outcome: error instanceof LeaseLostError ? 'lost' : 'failed', items: 0 };
    }
  }
}
