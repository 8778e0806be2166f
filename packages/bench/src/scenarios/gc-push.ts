import { stageUnlinkedBlobs } from '../gc/backlog';
import { startCpuMeter } from '../gc/cpu-meter';
import { blobRowsLeft, settleDiskAndDatabase, withDatabase } from '../gc/gc-database';
import { BUSY_SHIPPED_GC, withGcDeployment } from '../gc/gc-deployment';
import { probeObjectLayout } from '../gc/layout-probe';
import { pushTimed, type ManifestPushes } from '../gc/manifest-pushes';
import { firstObjectDelete } from '../gc/reclaim-watch';
import { makeSmallImage, type SmallImage } from '../oci/image';
import type { Sizes } from '../options';
import { repositoryFor, type Figure, type Scenario } from '../scenario';
import { percentile } from '../util/stats';
import { formatSize } from '../util/units';

const count = (n: number): string => n.toLocaleString('en-US');
const STALL_MS = 30_000;
/** The target: GC reclaiming a backlog makes manifest pushes no more than this much slower at p99. */
export const GC_PUSH_P99_CEILING = 1.2;

/**
 * Manifest PUT latency while garbage collection reclaims a large backlog, against the same
 * pushes with nothing due, on a Berth deployment of its own with every process collecting every
 * 0.2 s. Each phase pushes `gcPushImages` small images (a config and one layer, then the manifest
 * under a tag) from `gcPushClients` clients at once and times every manifest PUT: first with GC
 * idle (after an untimed warm-up), then, once `gcPushBacklog` unlinked blobs staged as gc-reclaim
 * stages them have come due and GC has deleted the first, again; the backlog must outlast the
 * pushes, which is checked. The review delay is the shipped one, and the backlog's reviews are
 * made due as if queued a delay ago: with a delay of 0 every pushed layer's link is due for
 * review as soon as it is uploaded, GC then refused about one push in ten with
 * MANIFEST_BLOB_UNKNOWN (docs/gc.md says it may), and the p99 would measure refusals and retries
 * with or without a backlog. Both phases start with every dirty page written out, as the backlog's
 * staging leaves them: otherwise the idle phase paid for what the warm-up left and came out slower.
 */
export function gcPush(sizes: Sizes): Scenario {
  const pushes = `${count(sizes.gcPushImages)} images (config + 1 x ${formatSize(sizes.smallLayerSize)}), ${sizes.gcPushClients} clients`;
  return {
    id: 'gc-push',
    title: `manifest PUT p99 while GC reclaims ${count(sizes.gcPushBacklog)} blobs, against GC idle`,
    metrics: [
      { id: 'gc-push-p99-idle', label: `manifest PUT p99, ${pushes}, GC idle`, unit: 'ms', better: 'lower' },
      {
        id: 'gc-push-p99-busy',
        label: `manifest PUT p99, the same while GC reclaims ${count(sizes.gcPushBacklog)} blobs`,
        unit: 'ms',
        better: 'lower',
      },
      {
        id: 'gc-push-p99-ratio',
        label: 'manifest PUT p99, GC reclaiming / GC idle',
        unit: 'x',
        better: 'lower',
      },
    ],
    appliesTo: (target) => target.id === 'berth-fs',
    async run(_target, context): Promise<Figure[]> {
      const images = (phase: string, n: number): SmallImage[] =>
        Array.from({ length: n }, (_, i) =>
          makeSmallImage(`${context.seed(`gc-push-${phase}`)}/${i}`, 1, sizes.smallLayerSize),
        );
      return withGcDeployment(context, BUSY_SHIPPED_GC, async (deployment): Promise<Figure[]> => {
        const push = (phase: string, n: number): Promise<ManifestPushes> =>
          pushTimed(deployment.url, repositoryFor(`gc-push-${phase}`), images(phase, n), sizes.gcPushClients);
        await probeObjectLayout(deployment, repositoryFor('gc-probe'), false);
        await push('warm-up', sizes.gcPushClients * 4);
        // The backlog's staging ends so too: neither phase pays for writes made before it.
        await settleDiskAndDatabase(deployment.databaseUrl);
        const cpu = await startCpuMeter(deployment, deployment.databaseUrl);
        const idle = await push('idle', sizes.gcPushImages);
        context.progress(`gc-push: staging ${count(sizes.gcPushBacklog)} blobs`);
        const staged = await stageUnlinkedBlobs(deployment, {
          repository: repositoryFor('gc-push-backlog'),
          count: sizes.gcPushBacklog,
          size: sizes.gcBlobSize,
          seed: context.seed('gc-push-backlog'),
        });
        await staged.commit();
        await firstObjectDelete(staged.backlog, staged.folderMtimeMs, STALL_MS);
        const busy = await push('busy', sizes.gcPushImages);
        const left = await withDatabase(deployment.databaseUrl, (client) =>
          blobRowsLeft(client, staged.backlog.digests),
        );
        if (left === 0)
          throw new Error(
            `GC reclaimed all ${count(sizes.gcPushBacklog)} blobs before the pushes ended: raise --gc-push-backlog or lower --gc-push-images`,
          );
        const spent = await cpu.read();
        const idleP99 = percentile(idle.putMs, 99);
        const busyP99 = percentile(busy.putMs, 99);
        return [
          { metric: 'gc-push-p99-idle', value: idleP99, detail: phaseDetail(idle) },
          { metric: 'gc-push-p99-busy', value: busyP99, detail: { ...phaseDetail(busy), backlogLeft: left } },
          { metric: 'gc-push-p99-ratio', value: busyP99 / idleP99 },
          { metric: 'gc-push-cpu', value: spent.registry, detail: { postgresCpuSeconds: spent.postgres } },
        ];
      });
    },
  };
}

function phaseDetail(pushes: ManifestPushes): Record<string, number> {
  return {
    puts: pushes.putMs.length,
    p50: percentile(pushes.putMs, 50),
    max: Math.max(...pushes.putMs),
    refused: pushes.refused,
    imagesPerSecond: (pushes.putMs.length - pushes.refused) / (pushes.ms / 1000),
  };
}
