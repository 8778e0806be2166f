import type { ReviewQueueStats } from '@berth/metadata-store';

const DEFAULT_MAX_AGE_MS = 10_000;

/**
 * The review queues' counts, read again only once the last reading is older than `maxAgeMs` or
 * this process changed the queues, and read once for any number of scrapes that ask at the same
 * time. A failed reading keeps the one before: a scrape must not fail because the database is
 * away (its own metrics say so).
 */
export class QueueReadings {
  #reading: Promise<ReviewQueueStats | undefined> | undefined;
  #readAt = 0;
  #last: ReviewQueueStats | undefined;

  constructor(
    private readonly read: () => Promise<ReviewQueueStats>,
    private readonly maxAgeMs = DEFAULT_MAX_AGE_MS,
  ) {}

  /** The next reading is a new one. */
  invalidate(): void {
    this.#reading = undefined;
  }

  latest(): Promise<ReviewQueueStats | undefined> {
    if (!this.#reading || Date.now() - this.#readAt >= this.maxAgeMs) {
      this.#readAt = Date.now();
      this.#reading = this.read().then(
        (stats) => (this.#last = stats),
        () => this.#last,
      );
    }
    return this.#reading;
  }
}
