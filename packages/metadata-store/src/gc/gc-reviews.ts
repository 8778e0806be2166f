import type { BlobRecord } from '../model';

/** How long after the change that queued it a review is due: the delay plus up to the jitter. */
export interface ReviewTiming {
  reviewDelaySeconds: number;
  reviewJitterSeconds: number;
}

/** How garbage collection runs, for the whole deployment. */
export interface GcSettings extends ReviewTiming {
  /**
   * Whether manifests that no tag, index or subject keeps are deleted after the delay (off until
   * turned on; left as it is when absent). Off, none is queued; turned on, every such manifest
   * there is then is queued.
   */
  untaggedManifests?: boolean;
}

/** A manifest a review deleted, or would. */
export interface RemovedManifest {
  repository: string;
  digest: string;
  size: number;
}

/** A repository's link to a blob that a review removed. */
export interface RemovedLink {
  repository: string;
  digest: string;
}

/**
 * What one call of a review method did: how many due reviews it claimed and finished, whether
 * they removed anything or kept it, and what they removed. Fewer reviewed than the limit means
 * nothing more could be claimed then; none at all, that nothing due was free to review.
 */
export interface ReviewBatch<Removed> {
  reviewed: number;
  removed: Removed[];
}

/** One review queue, as counts and times by the database's clock. */
export interface QueueStats {
  queued: number;
  due: number;
  /** When the review due longest ago came due; undefined when none is due. */
  oldestDueAt?: Date;
  /** When the next review that is not due yet comes due; undefined when none waits. */
  nextDueAt?: Date;
}

/** The review queues, as counts. */
export interface ReviewQueueStats {
  /** The database's clock when counted: what is due is due by it. */
  at: Date;
  /** The timing in force (the defaults until a process configures it). */
  timing: ReviewTiming;
  untaggedManifests: boolean;
  /**
   * The reviews every process did together since `since` (the start of the minute five minutes
   * before `at`): the rate of collection, whoever collects.
   */
  recent: { reviews: number; since: Date };
  manifests: QueueStats;
  links: QueueStats;
  blobs: QueueStats & { dueBytes: number };
}

/** A link that reviewing what is due would remove, with the size of its blob. */
export interface PreviewedLink {
  repository: string;
  digest: string;
  size: number;
}

/** A blob whose row, then object, reviewing what is due would delete. */
export interface PreviewedBlob {
  digest: string;
  size: number;
}

/**
 * What reviewing everything due at `at`, manifests, then links and blobs until nothing is due,
 * would remove if nothing else wrote meanwhile. Links are ordered by repository then digest,
 * blobs by digest.
 */
export interface ReviewPreview {
  at: Date;
  /** By repository then digest. */
  manifests: RemovedManifest[];
  links: PreviewedLink[];
  blobs: PreviewedBlob[];
}

/**
 * Garbage collection's review queues (see the migration that creates them). Writes queue reviews
 * by themselves, in their own transactions; these methods review what is due. Each review runs in
 * a transaction of its own that re-checks every reference under row locks, skips what another
 * process is reviewing (FOR UPDATE SKIP LOCKED) or a repository that a write holds, and never
 * makes a push wait for more than one short review.
 */
export interface GcReviews {
  /** Sets how the whole deployment collects (it is kept in the database). */
  configure(settings: GcSettings): Promise<void>;
  /**
   * Reviews up to `limit` due manifests, when untagged manifests are collected, deleting those
   * that nothing keeps with the referrers and index children only they kept (recorded as
   * `manifest.deleted` by `gc`); their blobs' links are then queued for review. Skips a
   * repository that a write holds.
   */
  reviewDueManifests(limit: number): Promise<ReviewBatch<RemovedManifest>>;
  /**
   * Reviews up to `limit` due links, removing those of blobs that no manifest of their repository
   * references (recorded as `blob.unlinked` by `gc`). A link of a repository that a write holds
   * is skipped, not counted, and left for a later call.
   */
  reviewDueLinks(limit: number): Promise<ReviewBatch<RemovedLink>>;
  /**
   * Reviews up to `limit` due blobs, deleting the rows of those that no repository links and no
   * manifest references; those are what it removed. Their objects are then the caller's to delete: a row
   * deleted first leaves at worst an object no row names, which the orphan sweep reclaims, never a
   * row whose object is gone.
   */
  reviewDueBlobs(limit: number): Promise<ReviewBatch<BlobRecord>>;
  /**
   * What `reviewDueManifests` until nothing is due, then `reviewDueLinks` and `reviewDueBlobs`
   * until nothing is due, would remove now, read in one snapshot and changing nothing. A manifest
   * deleted queues its blobs' link reviews after the delay, and a link removed its blob's review,
   * so what they free is removed by the same reviews only with no delay and no jitter. It
   * differs from what the reviews then do only by what changes meanwhile: writes, reviews of
   * other processes, a repository being written (skipped), reviews coming due as time passes.
   */
  previewDueReviews(): Promise<ReviewPreview>;
  stats(): Promise<ReviewQueueStats>;
}
