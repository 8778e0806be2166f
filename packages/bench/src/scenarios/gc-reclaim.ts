import { stageUnlinkedBlobs } from '../gc/backlog';
import { startCpuMeter } from '../gc/cpu-meter';
import { EAGER_GC, withGcDeployment } from '../gc/gc-deployment';
import { probeObjectLayout } from '../gc/layout-probe';
import { firstObjectDelete, untilReclaimed, verifyReclaimed } from '../gc/reclaim-watch';
import { unlinkReference } from '../gc/unlink-reference';
import type { Sizes } from '../options';
import { repositoryFor, type Figure, type Scenario } from '../scenario';
import { formatSize } from '../util/units';

const count = (n: number): string => n.toLocaleString('en-US');
// Far above any pause between two deletes, far below forever.
const STALL_MS = 30_000;

/**
 * Garbage collection reclaiming `gcBlobs` blobs that nothing links or references, on a Berth
 * deployment of its own (filesystem, PostgreSQL, Redis; review delay and jitter 0, every process
 * collecting every 0.2 s). The backlog is staged in one transaction (see stageUnlinkedBlobs: the
 * state pushes and blob DELETEs leave, made without the requests, after a probe blob has shown
 * over HTTP that Berth stores blobs so), and becomes due when it commits. Timed from the first
 * object deleted to no review queued and no object left; then the blob rows, the queues and the
 * object folder are checked empty of it. The reference, in the same run, is fs.unlink of as many
 * files in the same folder: the ratio is what the database costs per object on top of the disk.
 */
export function gcReclaim(sizes: Sizes): Scenario {
  const what = `${count(sizes.gcBlobs)} unreferenced blobs of ${formatSize(sizes.gcBlobSize)}`;
  return {
    id: 'gc-reclaim',
    title: `GC reclaim of ${what}`,
    metrics: [
      { id: 'gc-reclaim', label: `GC reclaim of ${what}`, unit: 'objects/s', better: 'higher' },
      {
        id: 'gc-reclaim-unlink',
        label: 'reference: fs.unlink of as many files, same folder',
        unit: 'objects/s',
        better: 'higher',
      },
      { id: 'gc-reclaim-vs-unlink', label: 'GC reclaim / fs.unlink (same run)', unit: 'x', better: 'higher' },
    ],
    // Berth on the filesystem, in a deployment of its own; reported on the berth-fs row.
    appliesTo: (target) => target.id === 'berth-fs',
    async run(_target, context): Promise<Figure[]> {
      return withGcDeployment(context, EAGER_GC, async (deployment): Promise<Figure[]> => {
        const probeMs = await probeObjectLayout(deployment, repositoryFor('gc-probe'), true);
        context.progress(`gc-reclaim: staging ${what}`);
        const staged = await stageUnlinkedBlobs(deployment, {
          repository: repositoryFor('gc-reclaim'),
          count: sizes.gcBlobs,
          size: sizes.gcBlobSize,
          seed: context.seed('gc-reclaim'),
        });
        const { backlog } = staged;
        const cpu = await startCpuMeter(deployment, deployment.databaseUrl).catch(async (error: unknown) => {
          await staged.abort();
          throw error;
        });
        const dueAt = await staged.commit();
        const firstDeleteAt = await firstObjectDelete(backlog, staged.folderMtimeMs, STALL_MS);
        const doneAt = await untilReclaimed(backlog, deployment.databaseUrl, STALL_MS);
        const spent = await cpu.read();
        await verifyReclaimed(backlog, deployment.databaseUrl);
        const reclaimed = backlog.digests.length / ((doneAt - firstDeleteAt) / 1000);
        const unlinked = await unlinkReference(
          backlog.folder,
          backlog.digests.length,
          backlog.size,
          context.berth.workers,
        );
        return [
          {
            metric: 'gc-reclaim',
            value: reclaimed,
            detail: {
              ms: Math.round(doneAt - firstDeleteAt),
              msFromDue: Math.round(doneAt - dueAt),
              msToFirstDelete: Math.round(firstDeleteAt - dueAt),
              stagingMs: Math.round(staged.stagingMs),
              probeReclaimMs: Math.round(probeMs ?? Number.NaN),
              collectingProcesses: context.berth.workers,
              postgresCpuSeconds: spent.postgres,
            },
          },
          { metric: 'gc-reclaim-unlink', value: unlinked, detail: { loops: context.berth.workers } },
          { metric: 'gc-reclaim-vs-unlink', value: reclaimed / unlinked },
          { metric: 'gc-reclaim-cpu', value: spent.registry },
        ];
      });
    },
  };
}
