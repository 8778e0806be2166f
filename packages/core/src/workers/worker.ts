/**
 * Background work of the registry, run on every process by the WorkerRuntime: an upload janitor,
 * event pruning, garbage collection. A run handles what is due and returns; the runtime calls it
 * again after `intervalMs`.
 */
export interface Worker {
  /** Names it in metrics, logs and locks: lowercase words joined by dashes. */
  readonly name: string;
  readonly intervalMs: number;
  /**
   * One run at a time across the deployment, under a coordinator lease, when runs on several
   * processes would only repeat each other's work; otherwise every process runs it (work that
   * claims its own items, such as rows taken with FOR UPDATE SKIP LOCKED).
   */
  readonly exclusive: boolean;
  /** Handles what is due; returns how many items it handled. Stops soon after `signal` aborts. */
  run(signal: AbortSignal): Promise<number>;
}

/** How a run ended: `busy` when another process held the lease, `lost` when the lease was lost. */
export type RunOutcome = 'done' | 'failed' | 'busy' | 'lost';

/** Reports runs to whoever keeps metrics and logs. */
export interface WorkerObserver {
  ran(worker: string, outcome: RunOutcome, items: number, seconds: number): void;
  failed(worker: string, error: unknown): void;
}
