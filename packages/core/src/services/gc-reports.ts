import type {
  PreviewedBlob,
  QueueStats,
  ReviewPreview,
  ReviewQueueStats,
  ReviewTiming,
} from '@berth/metadata-store';
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
 * Garbage collection at a glance. Every process reviews everything due on each run, so "overdue"
 * is the measure of progress: it stays below the interval while collection keeps up. The last run
 * is that of the process answering, when it runs garbage collection at all.
 */
export interface GcStatus {
  at: Date;
  timing: ReviewTiming;
  links: GcQueueStatus;
  blobs: GcQueueStatus & { dueBytes: number };
  /** This process's collection: undefined for a process that does not run it (the CLI). */
  worker?: { intervalSeconds: number; lastRun?: GcRunReport };
}

/** The links a run would remove in one repository, with the bytes of their blobs. */
export interface GcRepositoryPreview {
  repository: string;
  links: { digest: string; size: number }[];
  bytes: number;
}

/**
 * What a run now would remove: links per repository (their blobs may stay, linked elsewhere or
 * waiting for their own review), and blobs, whose bytes leave storage.
 */
export interface GcDryRun {
  at: Date;
  repositories: GcRepositoryPreview[];
  blobs: PreviewedBlob[];
  totals: { links: number; linkBytes: number; blobs: number; blobBytes: number };
}

/** What `runNow` did: its run of the worker, and what is still due after it. */
export interface GcRunNowReport extends Omit<GcRunReport, 'outcome'> {
  /** Still due: reviews in repositories being written, or come due meanwhile. */
  remaining: { linksDue: number; blobsDue: number };
}

/** The queues as an operator reads them. */
export function gcStatusOf(stats: ReviewQueueStats, worker?: GcStatus['worker']): GcStatus {
  return {
    at: stats.at,
    timing: stats.timing,
    links: queueStatus(stats.links, stats.at),
    blobs: { ...queueStatus(stats.blobs, stats.at), dueBytes: stats.blobs.dueBytes },
    ...(worker ? { worker } : {}),
  };
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

/** The preview grouped by repository, in its order, with byte totals. */
export function gcDryRunOf(preview: ReviewPreview): GcDryRun {
  const repositories: GcRepositoryPreview[] = [];
  for (const { repository, digest, size } of preview.links) {
    let group = repositories.at(-1);
    if (group?.repository !== repository) {
      group = { repository, links: [], bytes: 0 };
      repositories.push(group);
    }
    group.links.push({ digest, size });
    group.bytes += size;
  }
  return {
    at: preview.at,
    repositories,
    blobs: preview.blobs,
    totals: {
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
  return { ...run, remaining: { linksDue: after.links.due, blobsDue: after.blobs.due } };
}

function sumOfSizes(items: readonly { size: number }[]): number {
  return items.reduce((total, item) => total + item.size, 0);
}
