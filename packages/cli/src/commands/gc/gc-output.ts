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
    status.untaggedManifests
      ? 'manifests that no tag, index or subject keeps are deleted'
      : 'untagged manifests are kept (gc.untaggedManifests is off)',
    '',
    // Manifests are queued only while untagged manifests are collected.
    formatTable([
      ['QUEUE', 'QUEUED', 'DUE', 'DUE BYTES', 'OVERDUE', 'NEXT DUE'],
      ...(status.untaggedManifests ? [queue('manifests', status.manifests)] : []),
      queue('links', status.links),
      queue('blobs', status.blobs, status.blobs.dueBytes),
    ]),
    '',
    progressLine(status.progress),
    workerLine(status.worker),
  ].join('\n');
}

function progressLine({ reviewsPerSecond, etaSeconds }: GcStatus['progress']): string {
  const rate = `every process together reviewed ${reviewsPerSecond.toFixed(1)} a second lately`;
  if (etaSeconds === 0) return `${rate}; nothing is due`;
  if (etaSeconds === undefined) return `${rate}; what is due waits for a run`;
  return `${rate}; what is due now is done in about ${formatDuration(etaSeconds)} at that rate`;
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

function removedText(
  run: Pick<GcRunReport, 'manifestsDeleted' | 'linksRemoved' | 'blobsReclaimed' | 'bytesReclaimed'>,
): string {
  const manifests = run.manifestsDeleted > 0 ? `deleted ${plural(run.manifestsDeleted, 'manifest')}, ` : '';
  return (
    `${manifests}removed ${plural(run.linksRemoved, 'link')}, deleted ${plural(run.blobsReclaimed, 'blob')} ` +
    `(${formatBytes(run.bytesReclaimed)})`
  );
}

/** Per repository, the links a run would remove and their bytes, with totals; then the blobs. */
export function formatGcDryRun(dryRun: GcDryRun): string {
  const { totals } = dryRun;
  const heading = `as of ${formatTime(dryRun.at)}, a run would`;
  if (totals.manifests === 0 && totals.links === 0 && totals.blobs === 0) return `${heading} remove nothing`;
  // The manifests column only when there are manifests to delete (gc.untaggedManifests).
  const withManifests = totals.manifests > 0;
  const row = (repository: string, manifests: number, links: number, bytes: number) => [
    repository,
    ...(withManifests ? [String(manifests)] : []),
    String(links),
    formatBytes(bytes),
  ];
  return [
    withManifests
      ? `${heading} delete these manifests and remove these links (their blobs stay while another repository links them):`
      : `${heading} remove these links (their blobs stay while another repository links them):`,
    '',
    formatTable([
      ['REPOSITORY', ...(withManifests ? ['MANIFESTS'] : []), 'LINKS', 'BYTES'],
      ...dryRun.repositories.map(({ repository, manifests, links, bytes }) =>
        row(repository, manifests.length, links.length, bytes),
      ),
      row('total', totals.manifests, totals.links, totals.linkBytes),
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
  const { manifestsDue, linksDue, blobsDue } = report.remaining;
  if (manifestsDue + linksDue + blobsDue > 0) {
    const manifests = manifestsDue > 0 ? `${plural(manifestsDue, 'manifest')}, ` : '';
    lines.push(
      `still due: ${manifests}${plural(linksDue, 'link')}, ${plural(blobsDue, 'blob')} ` +
        '(in repositories being written, or come due meanwhile): a later run reviews them',
    );
  }
  return lines.join('\n');
}
