import type { GcObserver, OrphanObserver } from '@berth/core';
import type { ReviewQueueStats } from '@berth/metadata-store';
import { Counter, Gauge, type Registry } from 'prom-client';

/** What garbage collection reclaims on this process, and its queues as it last saw them. */
export class GcMetrics implements GcObserver, OrphanObserver {
  readonly #links: Counter;
  readonly #blobs: Counter;
  readonly #bytes: Counter;
  readonly #objectFailures: Counter;
  readonly #orphans: Counter;
  readonly #orphanBytes: Counter;
  readonly #queued: Gauge<'queue'>;
  readonly #due: Gauge<'queue'>;
  readonly #dueBytes: Gauge;

  /** Failed object deletes go to `onObjectDeleteFailed` as well, for the log. */
  onObjectDeleteFailed: (key: string, error: unknown) => void = () => undefined;

  constructor(registry: Registry) {
    const registers = [registry];
    this.#links = new Counter({
      name: 'berth_gc_links_removed_total',
      help: "Repository links to blobs that no manifest of the repository used, removed by this process's garbage collection.",
      registers,
    });
    this.#blobs = new Counter({
      name: 'berth_gc_blobs_reclaimed_total',
      help: "Blobs that nothing linked or referenced, deleted by this process's garbage collection.",
      registers,
    });
    this.#bytes = new Counter({
      name: 'berth_gc_reclaimed_bytes_total',
      help: 'Bytes of the blobs garbage collection deleted on this process.',
      registers,
    });
    this.#objectFailures = new Counter({
      name: 'berth_gc_object_delete_failures_total',
      help: 'Objects of deleted blobs that could not be deleted from blob storage (the orphan sweep reclaims them).',
      registers,
    });
    this.#orphans = new Counter({
      name: 'berth_gc_orphans_deleted_total',
      help: 'Blob objects that no row named, deleted by the orphan sweep on this process.',
      registers,
    });
    this.#orphanBytes = new Counter({
      name: 'berth_gc_orphan_bytes_deleted_total',
      help: 'Bytes of those objects.',
      registers,
    });
    this.#queued = new Gauge({
      name: 'berth_gc_reviews_queued',
      help: 'Reviews in a garbage-collection queue (links or blobs), as a run last counted them.',
      labelNames: ['queue'],
      registers,
    });
    this.#due = new Gauge({
      name: 'berth_gc_reviews_due',
      help: 'Reviews of a garbage-collection queue that are due (overdue once a run has passed), as a run last counted them.',
      labelNames: ['queue'],
      registers,
    });
    this.#dueBytes = new Gauge({
      name: 'berth_gc_due_bytes',
      help: 'Bytes of the blobs whose reviews are due, as a run last counted them: at most what the next runs reclaim.',
      registers,
    });
  }

  linkRemoved(): void {
    this.#links.inc();
  }

  blobReclaimed(bytes: number): void {
    this.#blobs.inc();
    this.#bytes.inc(bytes);
  }

  objectDeleteFailed(key: string, error: unknown): void {
    this.#objectFailures.inc();
    this.onObjectDeleteFailed(key, error);
  }

  orphanDeleted(_key: string, bytes: number): void {
    this.#orphans.inc();
    this.#orphanBytes.inc(bytes);
  }

  queues({ links, blobs }: ReviewQueueStats): void {
    this.#queued.set({ queue: 'links' }, links.queued);
    this.#queued.set({ queue: 'blobs' }, blobs.queued);
    this.#due.set({ queue: 'links' }, links.due);
    this.#due.set({ queue: 'blobs' }, blobs.due);
    this.#dueBytes.set(blobs.dueBytes);
  }
}
