import type { BlobStore } from '@berth/blob-store/port';
import type { GcReviews } from '@berth/metadata-store/port';
import { Pace } from './pace';
import type { Worker } from './worker';

const BATCH = 100;

/** Reports what garbage collection reclaims. */
export interface GcObserver {
  manifestDeleted(): void;
  linkRemoved(): void;
  blobReclaimed(bytes: number): void;
  /** The row is gone but its object could not be deleted: the orphan sweep will reclaim it. */
  objectDeleteFailed(key: string, error: unknown): void;
}

/**
 * Online garbage collection: reviews what is due in the metadata store's review queues (links a
 * repository no longer uses, then blobs nothing links) and deletes the objects of the blobs whose
 * rows a review deleted. Any number of processes run it at once: each review claims its row with
 * FOR UPDATE SKIP LOCKED, so none is done twice and no push waits on one. docs/gc.md has the
 * safety argument.
 */
export class GarbageCollector implements Worker {
  readonly name = 'gc';
  readonly exclusive = false;

  constructor(
    private readonly deps: {
      reviews: GcReviews;
      blobs: BlobStore;
      intervalMs: number;
      /**
       * The share of its time a run works while there is more to review (0 to 1): after each
       * pass it rests for as long as keeps it to that share, so that requests keep the CPU and
       * the database. 1 works flat out.
       */
      busyFraction?: number;
      observer?: GcObserver;
    },
  ) {}

  get intervalMs(): number {
    return this.deps.intervalMs;
  }

  async run(signal: AbortSignal): Promise<number> {
    const { reviews, blobs, observer } = this.deps;
    const pace = new Pace(this.deps.busyFraction ?? 1);
    // Manifests first, all that are due: deleting them is what makes their blobs' links due.
    while (!signal.aborted) {
      const manifests = await reviews.reviewDueManifests(BATCH);
      for (let i = 0; i < manifests.removed.length; i++) observer?.manifestDeleted();
      if (manifests.reviewed === 0) break;
      await pace.rest(signal);
    }
    let reclaimed = 0;
    while (!signal.aborted) {
      const links = await reviews.reviewDueLinks(BATCH);
      for (let i = 0; i < links.removed.length; i++) observer?.linkRemoved();
      const blobReviews = await reviews.reviewDueBlobs(BATCH);
      // After the rows' commit: a failure here leaves an object no row names, never a row without
      // its object. A batch's deletes go out together, as storage round trips dominate.
      await Promise.all(
        blobReviews.removed.map(async (blob) => {
          try {
            await blobs.delete(blob.storageKey);
          } catch (error) {
            observer?.objectDeleteFailed(blob.storageKey, error);
          }
          observer?.blobReclaimed(blob.size);
        }),
      );
      reclaimed += blobReviews.removed.length;
      // Until a pass finds nothing it can review: reviews that keep what they review count as
      // much as those that remove it, and what a write holds waits for a later run.
      if (links.reviewed === 0 && blobReviews.reviewed === 0) break;
      await pace.rest(signal);
    }
    return reclaimed;
  }
}
