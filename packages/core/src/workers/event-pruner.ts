import type { EventLog } from '@berth/metadata-store/port';
import type { Worker } from './worker';

const BATCH = 1_000;

/** Reports how far behind each consumer of the event log is, whenever the pruner runs. */
export interface EventLagObserver {
  consumerLag(consumer: string, seconds: number): void;
}

/**
 * Deletes events older than the retention that every consumer has handled, in batches so that no
 * single statement holds many rows, and reports each consumer's lag: the age of the oldest event
 * it has not handled (0 when up to date). A consumer that stops for good holds pruning back
 * until it is unregistered; its lag says so.
 */
export class EventPruner implements Worker {
  readonly name = 'event-pruner';
  readonly exclusive = true;

  constructor(
    private readonly events: EventLog,
    private readonly settings: { retentionMs: number; intervalMs: number },
    private readonly observer?: EventLagObserver,
  ) {}

  get intervalMs(): number {
    return this.settings.intervalMs;
  }

  async run(signal: AbortSignal): Promise<number> {
    const now = Date.now();
    const before = new Date(now - this.settings.retentionMs);
    let pruned = 0;
    while (!signal.aborted) {
      const deleted = await this.events.prune(before, BATCH);
      pruned += deleted;
      if (deleted < BATCH) break;
    }
    for (const consumer of await this.events.consumers()) {
      const pendingSince = consumer.oldestPendingAt?.getTime() ?? now;
      this.observer?.consumerLag(consumer.name, Math.max(0, now - pendingSince) / 1000);
    }
    return pruned;
  }
}
