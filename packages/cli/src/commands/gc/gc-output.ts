import type { GcDryRun, GcQueueStatus, GcRunNowReport, GcRunReport, GcStatus } from '@berth/core';
import { formatBytes, formatDuration, formatTable } from '../../output';
import { formatTime } from '../listing';

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

/** The queues, the timing, and this process's collection when it has one. */
export function formatGcStatus(status: GcStatus): string {
  const { timing } = status;
  const queue = (name: string, stats: GcQueueStatus, dueBytes?: number) => [
    name,
    String(stats.queued),
    String(stats.due),
    dueBytes === undefined ? '-' : formatBytes(dueBytes),
    stats.overdueSeconds === undefined ? '-' : formatDuration(stats.overdueSeconds),
    formatTime(stats.nextDueAt),
  ];
  return [
    `as of ${formatTime(status.at)}; reviews come due ${formatDuration(timing.reviewDelaySeconds)} ` +
      `after the change that queued them, plus up to ${formatDuration(timing.reviewJitterSeconds)}`,
    '',
    formatTable([
      ['QUEUE', 'QUEUED', 'DUE', 'DUE BYTES', 'OVERDUE', 'NEXT DUE'],
      queue('links', status.links),
      queue('blobs', status.blobs, status.blobs.dueBytes),
    ]),
    '',
    workerLine(status.worker),
  ].join('\n');
}

function workerLine(worker: GcStatus['worker']): string {
  if (!worker) return 'runs: known to the processes that collect (berth_gc_* metrics, the admin API)';
  const schedule =
    worker.intervalSeconds > 0
      ? `collects every ${formatDuration(worker.intervalSeconds)}`
      : 'collects when asked';
  const last = worker.lastRun ? `; last run ${lastRunText(worker.lastRun)}` : '; no run yet';
  return `this registry ${schedule}${last}`;
}

function lastRunText(run: GcRunReport): string {
  return `${formatTime(run.endedAt)} (${run.outcome}, ${formatDuration(run.seconds)}): ${removedText(run)}`;
}

function removedText(run: Pick<GcRunReport, 'linksRemoved' | 'blobsReclaimed' | 'bytesReclaimed'>): string {
  return (
    `removed ${plural(run.linksRemoved, 'link')}, deleted ${plural(run.blobsReclaimed, 'blob')} ` +
    `(${formatBytes(run.bytesReclaimed)})`
  );
}

/** Per repository, the links a run would remove and their bytes, with totals; then the blobs. */
export function formatGcDryRun(dryRun: GcDryRun): string {
  const { totals } = dryRun;
  const heading = `as of ${formatTime(dryRun.at)}, a run would`;
  if (totals.links === 0 && totals.blobs === 0) return `${heading} remove nothing`;
  const rows = dryRun.repositories.map(({ repository, links, bytes }) => [
    repository,
    String(links.length),
    formatBytes(bytes),
  ]);
  return [
    `${heading} remove these links (their blobs stay while another repository links them):`,
    '',
    formatTable([
      ['REPOSITORY', 'LINKS', 'BYTES'],
      ...rows,
      ['total', String(totals.links), formatBytes(totals.linkBytes)],
    ]),
    '',
    `and delete ${plural(totals.blobs, 'blob')}, ${formatBytes(totals.blobBytes)} of storage`,
  ].join('\n');
}

/** What a run now did, and what it left due. */
export function formatGcRun(report: GcRunNowReport): string {
  const lines = [`${removedText(report)} in ${formatDuration(report.seconds)}`];
  if (report.objectDeleteFailures > 0) {
    lines.push(
      `${plural(report.objectDeleteFailures, 'object')} could not be deleted: the orphan sweep reclaims them`,
    );
  }
  const { linksDue, blobsDue } = report.remaining;
  if (linksDue + blobsDue > 0) {
    lines.push(
      `still due: ${plural(linksDue, 'link')}, ${plural(blobsDue, 'blob')} ` +
        '(in repositories being written, or come due meanwhile): a later run reviews them',
    );
  }
  return lines.join('\n');
}
