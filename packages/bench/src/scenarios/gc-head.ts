import type { Client } from 'pg';
import { startCpuMeter, type CpuSpent } from '../gc/cpu-meter';
import { withDatabase } from '../gc/gc-database';
import { SHIPPED_GC, withGcDeployment, type GcDeployment } from '../gc/gc-deployment';
import { makeSmallImage, type SmallImage } from '../oci/image';
import { runLoad, type LoadResult } from '../oci/load';
import type { Sizes } from '../options';
import { repositoryFor, type Figure, type Scenario } from '../scenario';

const REPOSITORY = repositoryFor('gc-head');

/**
 * What the GC postpone costs the blob HEAD hot path. Every HEAD (or GET) of a blob whose link has
 * a review queued may push the review back, in the statement that finds the link: an UPDATE,
 * where a blob without one is a plain read. A deployment of its own with the shipped GC
 * settings (reviews due after a day) gets an image pushed, whose layer's review its manifest
 * dropped, and a layer uploaded that no manifest uses yet, whose review stays pending: the case of
 * a client that checks its blobs before it pushes the manifest. Both are loaded with HEAD by
 * ApacheBench on keep-alive connections, the one without a review first. A review already due a
 * delay from now is left as it is, so the HEADs of the pending layer pay for the check, not a
 * write: the pending review is checked to be still queued, no earlier.
 */
export function gcHead(sizes: Sizes): Scenario {
  const load = `${sizes.gcHeadConnections} connections, ${sizes.gcHeadSeconds} s`;
  return {
    id: 'gc-head',
    title: `blob HEAD with a GC review pending, against none (${load})`,
    metrics: [
      { id: 'gc-head-none', label: `blob HEAD, no review queued (${load})`, unit: 'req/s', better: 'higher' },
      {
        id: 'gc-head-pending',
        label: 'blob HEAD, review pending (each HEAD may postpone it)',
        unit: 'req/s',
        better: 'higher',
      },
      { id: 'gc-head-vs-none', label: 'blob HEAD req/s, review pending / none', unit: 'x', better: 'higher' },
      { id: 'gc-head-none-p99', label: 'blob HEAD p99, no review queued', unit: 'ms', better: 'lower' },
      { id: 'gc-head-pending-p99', label: 'blob HEAD p99, review pending', unit: 'ms', better: 'lower' },
    ],
    appliesTo: (target) => target.id === 'berth-fs',
    async run(_target, context): Promise<Figure[]> {
      const pending = makeSmallImage(context.seed('gc-head-pending'), 1, sizes.smallLayerSize);
      const none = makeSmallImage(context.seed('gc-head-none'), 1, sizes.smallLayerSize);
      const pendingLayer = layerOf(pending);
      const noneLayer = layerOf(none);
      const seconds = sizes.gcHeadSeconds;
      const connections = sizes.gcHeadConnections;
      return withGcDeployment(context, SHIPPED_GC, async (deployment): Promise<Figure[]> => {
        await deployment.client.pushSmallBlob(REPOSITORY, firstLayer(pending));
        await deployment.client.pushImage(REPOSITORY, none, 'none');
        const [before, dropped] = await withDatabase(
          deployment.databaseUrl,
          async (client): Promise<[Date | undefined, Date | undefined]> => [
            await dueTime(client, pendingLayer),
            await dueTime(client, noneLayer),
          ],
        );
        if (before === undefined) throw new Error('the uploaded layer has no review queued');
        if (dropped !== undefined) throw new Error('the manifest left its layer with a review queued');
        // A warm-up, so that neither phase pays for the processes' first requests.
        await head(deployment, noneLayer, 1, connections);
        const cpu = await startCpuMeter(deployment, deployment.databaseUrl);
        const withoutReview = await head(deployment, noneLayer, seconds, connections);
        const spentWithout = await cpu.read();
        const withReview = await head(deployment, pendingLayer, seconds, connections);
        const spent = await cpu.read();
        const spentWith = {
          registry: spent.registry - spentWithout.registry,
          postgres: spent.postgres - spentWithout.postgres,
        };
        const [after, stray] = await withDatabase(
          deployment.databaseUrl,
          async (client): Promise<[Date | undefined, Date | undefined]> => [
            await dueTime(client, pendingLayer),
            await dueTime(client, noneLayer),
          ],
        );
        // A read moves a review only while it is due sooner than a delay from now; one queued by
        // an upload just made is not, so what is measured is the check, as on every such read.
        if (after === undefined || after < before)
          throw new Error('the pending review was dropped or brought forward by the HEADs');
        if (stray !== undefined) throw new Error('a review of the other layer was queued meanwhile');
        return [
          {
            metric: 'gc-head-none',
            value: withoutReview.perSecond,
            detail: costDetail(withoutReview, spentWithout),
          },
          {
            metric: 'gc-head-pending',
            value: withReview.perSecond,
            detail: costDetail(withReview, spentWith),
          },
          { metric: 'gc-head-vs-none', value: withReview.perSecond / withoutReview.perSecond },
          { metric: 'gc-head-none-p99', value: p99(withoutReview), detail: { p50: p50(withoutReview) } },
          { metric: 'gc-head-pending-p99', value: p99(withReview), detail: { p50: p50(withReview) } },
          { metric: 'gc-head-cpu', value: spent.registry, detail: { postgresCpuSeconds: spent.postgres } },
        ];
      });
    },
  };
}

async function head(
  deployment: GcDeployment,
  digest: string,
  seconds: number,
  connections: number,
): Promise<LoadResult> {
  const result = await runLoad({
    url: `${deployment.url}/v2/${REPOSITORY}/blobs/${digest}`,
    methods: ['HEAD'],
    headers: {},
    connections,
    seconds,
  });
  if (result.failures > 0 || result.requests === 0)
    throw new Error(
      `blob HEAD load: ${result.requests} ok, ${result.failures} failed (${result.firstFailure})`,
    );
  return result;
}

const firstLayer = (image: SmallImage) => {
  const [layer] = image.layers;
  if (!layer) throw new Error('an image without a layer');
  return layer;
};

const layerOf = (image: SmallImage): string => firstLayer(image).digest;

/** The requests made, and the CPU each cost the registry and PostgreSQL, in µs. */
function costDetail(result: LoadResult, spent: CpuSpent): Record<string, number> {
  return {
    requests: result.requests,
    registryCpuMicrosecondsPerRequest: (spent.registry / result.requests) * 1e6,
    postgresCpuMicrosecondsPerRequest: (spent.postgres / result.requests) * 1e6,
  };
}

const p99 = (result: LoadResult): number => result.byMethod.HEAD?.p99 ?? Number.NaN;
const p50 = (result: LoadResult): number => result.byMethod.HEAD?.p50 ?? Number.NaN;

async function dueTime(client: Client, digest: string): Promise<Date | undefined> {
  const { rows } = await client.query<{ review_after: Date }>(
    `SELECT g.review_after FROM gc_link_reviews g JOIN repositories r ON r.id = g.repository_id
     WHERE r.name = $1 AND g.blob_digest = $2`,
    [REPOSITORY, digest],
  );
  return rows[0]?.review_after;
}
