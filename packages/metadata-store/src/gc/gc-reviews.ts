import type { BlobRecord } from '../model';

/** How long after the change that queued it a review is due: the delay plus up to the jitter. */
export interface ReviewTiming {
  reviewDelaySeconds: number;
  reviewJitterSeconds: number;
}

/** A repository's link to a blob that a review removed. */
export interface RemovedLink {
  repository: string;
  digest: string;
}

/** The review queues, as counts. */
export interface ReviewQueueStats {
  links: { queued: number; due: number };
  blobs: { queued: number; due: number; dueBytes: number };
}

/**
 * Garbage collection's review queues (see the migration that creates them). Writes queue reviews
 * by themselves, in their own transactions; these methods review what is due. Each review runs in
 * a transaction of its own that re-checks every reference under row locks, skips what another
 * process is reviewing (FOR UPDATE SKIP LOCKED) or a repository that a write holds, and never
 * makes a push wait for more than one short review.
 */
export interface GcReviews {
  /** Sets the review timing of the whole deployment (it is kept in the database). */
  configure(timing: ReviewTiming): Promise<void>;
  /**
   * Reviews up to `limit` due links, removing those of blobs that no manifest of their repository
   * references (recorded as `blob.unlinked` by `gc`); returns the links removed.
   */
  reviewDueLinks(limit: number): Promise<RemovedLink[]>;
  /**
   * Reviews up to `limit` due blobs, deleting the rows of those that no repository links and no
   * manifest references; returns them. Their objects are then the caller's to delete: a row
   * deleted first leaves at worst an object no row names, which the orphan sweep reclaims, never a
   * row whose object is gone.
   */
  reviewDueBlobs(limit: number): Promise<BlobRecord[]>;
  stats(): Promise<ReviewQueueStats>;
}
