import type {
  PreviewedBlob,
  QueueStats,
  ReviewPreview,
  ReviewQueueStats,
  ReviewTiming,
} from '@berth/metadata-store/port';
import type { GcRunReport } from './gc-run-log';

/** A review queue as an operator reads it. */
export interface GcQueueStatus {
  queued: number;
  due: number;
  /** When the review due longest ago came due, and how long ago: undefined when none is due. */
  oldestDueAt?: Date;
  overdueSeconds?: number;
  /** When the next review not due yet comes due; undefined when none waits. */
  nextDueAt?: Date;
}

/**
 * How fast every process together reviews, over the last minutes, and when what is due now will
 * be done at that rate: undefined while nothing reviews and something is due. Reviews that the
 * ones due queue in turn (a blob's, once its last link goes) come on top.
 */
export interface GcProgress {
  reviewsPerSecond: number;
  etaSeconds?: number;
}

/**
 * Garbage collection at a glance. Every process reviews everything due on each run, so "overdue"
 * is the measure of progress: it stays below the interval while collection keeps up. The last run
 * is that of the process answering, when it runs garbage collection at all.
 */
export interface GcStatus {
  at: Date;
  timing: ReviewTiming;
  /** Whether manifests nothing keeps are collected (`gc.untaggedManifests`). */
  untaggedManifests: boolean;
  manifests: GcQueueStatus;
  links: GcQueueStatus;
  blobs: GcQueueStatus & { dueBytes: number };
  progress: GcProgress;
  /** This process's collection: undefined for a process that does not run it (the CLI). */
  worker?: { intervalSeconds: number; lastRun?: GcRunReport };
}

/**
 * What a run would remove in one repository: manifests, and links, with the bytes of the links'
 * blobs.
 */
export interface GcRepositoryPreview {
  repository: string;
  manifests: { digest: string; size: number }[];
  links: { digest: string; size: number }[];
  bytes: number;
}

/**
 * What a run now would remove: manifests and links per repository (the links' blobs may stay,
 * linked elsewhere or waiting for their own review), and blobs, whose bytes leave storage.
 */
export interface GcDryRun {
  at: Date;
  repositories: GcRepositoryPreview[];
  blobs: PreviewedBlob[];
  totals: {
    manifests: number;
    manifestBytes: number;
    links: number;
    linkBytes: number;
    blobs: number;
    blobBytes: number;
  };
}

/** What `runNow` did: its run of the worker, and what is still due after it. */
export interface GcRunNowReport extends Omit<GcRunReport, 'outcome'> {
  /** Still due: reviews in repositories being written, or come due meanwhile. */
  remaining: { manifestsDue: number; linksDue: number; blobsDue: number };
}

/** The queues as an operator reads them. */
export function gcStatusOf(stats: ReviewQueueStats, worker?: GcStatus['worker']): GcStatus {
  return {
    at: stats.at,
    timing: stats.timing,
    untaggedManifests: stats.untaggedManifests,
    manifests: queueStatus(stats.manifests, stats.at),
    links: queueStatus(stats.links, stats.at),
    blobs: { ...queueStatus(stats.blobs, stats.at), dueBytes: stats.blobs.dueBytes },
    progress: progressOf(stats),
    ...(worker ? { worker } : {}),
  };
}

function progressOf({ at, recent, manifests, links, blobs }: ReviewQueueStats): GcProgress {
  const seconds = (at.getTime() - recent.since.getTime()) / 1000;
  const reviewsPerSecond = seconds > 0 ? recent.reviews / seconds : 0;
  const due = manifests.due + links.due + blobs.due;
  if (due === 0) return { reviewsPerSecond, etaSeconds: 0 };
  return reviewsPerSecond > 0
    ? { reviewsPerSecond, etaSeconds: due / reviewsPerSecond }
    : { reviewsPerSecond };
}

function queueStatus({ queued, due, oldestDueAt, nextDueAt }: QueueStats, at: Date): GcQueueStatus {
  return {
    queued,
    due,
    ...(oldestDueAt
      ? { oldestDueAt, overdueSeconds: Math.max(0, (at.getTime() - oldestDueAt.getTime()) / 1000) }
      : {}),
    ...(nextDueAt ? { nextDueAt } : {}),
  };
}

/** The preview grouped by repository, in name order, with byte totals. */
export function gcDryRunOf(preview: ReviewPreview): GcDryRun {
  const groups = new Map<string, GcRepositoryPreview>();
  const groupOf = (repository: string) => {
    let group = groups.get(repository);
    if (!group) {
      group = { repository, manifests: [], links: [], bytes: 0 };
      groups.set(repository, group);
    }
    return group;
  };
  for (const { repository, digest, size } of preview.manifests)
    groupOf(repository).manifests.push({ digest, size });
  for (const { repository, digest, size } of preview.links) {
    const group = groupOf(repository);
    group.links.push({ digest, size });
    group.bytes += size;
  }
  // Repository names are ASCII, so this is the byte order the store sorts them in.
  const repositories = [...groups.values()].sort((a, b) => (a.repository < b.repository ? -1 : 1));
  return {
    at: preview.at,
    repositories,
    blobs: preview.blobs,
    totals: {
      manifests: preview.manifests.length,
      manifestBytes: sumOfSizes(preview.manifests),
      links: preview.links.length,
      linkBytes: sumOfSizes(preview.links),
      blobs: preview.blobs.length,
      blobBytes: sumOfSizes(preview.blobs),
    },
  };
}

/** A run now as reported: what the run removed, and what it left due. */
export function gcRunNowReportOf(
  { outcome: _outcome, ...run }: GcRunReport,
  after: ReviewQueueStats,
): GcRunNowReport {
  return {
    ...run,
    remaining: { manifestsDue: after.manifests.due, linksDue: after.links.due, blobsDue: after.blobs.due },
  };
}

function sumOfSizes(items: readonly { size: number }[]): number {
  return items.reduce((total, item) => total + item.size, 0);
}
