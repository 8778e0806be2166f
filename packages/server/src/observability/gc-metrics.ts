import type { GcObserver, OrphanObserver } from '@berth/core';
import type { ReviewQueueStats } from '@berth/metadata-store';
import { Counter, Gauge, type Registry } from 'prom-client';
import { QueueReadings } from './queue-readings';

/**
 * What garbage collection reclaims on this process, and its queues as read when scraped: counting
 * them costs the database a scan, so they are counted only for a scrape, and at most once per
 * `QueueReadings` age however many scrapers ask, unless this process changed them meanwhile.
 */
export class GcMetrics implements GcObserver, OrphanObserver {
  readonly #manifests: Counter;
  readonly #links: Counter;
  readonly #blobs: Counter;
  readonly #bytes: Counter;
  readonly #objectFailures: Counter;
  readonly #orphans: Counter;
  readonly #orphanBytes: Counter;
  readonly #queued: Gauge<'queue'>;
  readonly #due: Gauge<'queue'>;
  readonly #dueBytes: Gauge;
  readonly #overdue: Gauge<'queue'>;
  #readings: QueueReadings | undefined;

  /** Failed object deletes go to `onObjectDeleteFailed` as well, for the log. */
  onObjectDeleteFailed: (key: string, error: unknown) => void = () => undefined;

  constructor(registry: Registry) {
    const registers = [registry];
    this.#manifests = new Counter({
      name: 'berth_gc_manifests_deleted_total',
      help: "Manifests that nothing kept (gc.untaggedManifests), deleted by this process's garbage collection.",
      registers,
    });
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
    const collect = () => this.#collectQueues();
    this.#queued = new Gauge({
      name: 'berth_gc_reviews_queued',
      help: 'Reviews in a garbage-collection queue (links or blobs).',
      labelNames: ['queue'],
      registers,
      collect,
    });
    this.#due = new Gauge({
      name: 'berth_gc_reviews_due',
      help: 'Reviews of a garbage-collection queue that are due.',
      labelNames: ['queue'],
      registers,
      collect,
    });
    this.#overdue = new Gauge({
      name: 'berth_gc_overdue_seconds',
      help: 'How long ago the review of a queue due longest ago came due; 0 when none is due. Growing: collection is off, failing or behind.',
      labelNames: ['queue'],
      registers,
      collect,
    });
    this.#dueBytes = new Gauge({
      name: 'berth_gc_due_bytes',
      help: 'Bytes of the blobs whose reviews are due: at most what the next runs reclaim.',
      registers,
      collect,
    });
  }

  /** Where the queue gauges read from; until this is called they stay unset. */
  readQueuesFrom(stats: () => Promise<ReviewQueueStats>, maxAgeMs?: number): void {
    this.#readings = new QueueReadings(stats, maxAgeMs);
  }

  manifestDeleted(): void {
    this.#readings?.invalidate();
    this.#manifests.inc();
  }

  linkRemoved(): void {
    this.#readings?.invalidate();
    this.#links.inc();
  }

  blobReclaimed(bytes: number): void {
    this.#readings?.invalidate();
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

  async #collectQueues(): Promise<void> {
    const stats = await this.#readings?.latest();
    if (!stats) return;
    const { at, links, blobs } = stats;
    for (const [queue, counts] of [
      ['manifests', stats.manifests],
      ['links', links],
      ['blobs', blobs],
    ] as const) {
      this.#queued.set({ queue }, counts.queued);
      this.#due.set({ queue }, counts.due);
      const overdueMs = counts.oldestDueAt ? at.getTime() - counts.oldestDueAt.getTime() : 0;
      this.#overdue.set({ queue }, Math.max(0, overdueMs) / 1000);
    }
    this.#dueBytes.set(blobs.dueBytes);
  }
}
