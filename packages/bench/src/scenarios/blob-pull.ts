import { repositoryFor, type Figure, type Scenario, type ScenarioContext } from '../scenario';
import type { Sizes } from '../options';
import type { Payload } from '../oci/payload';
import type { RegistryClient } from '../oci/registry-client';
import type { RegistryTarget } from '../targets/registry-target';
import { formatSize, megabytesPerSecond, timed } from '../util/units';

const REPOSITORY = repositoryFor('large');

/**
 * A pull of the large blob with its sha256 verified by the client as it streams, through the
 * registry process; on Berth's S3 flavor also by presigned redirect, checking on /metrics that
 * the pod sent no blob bytes.
 */
export function blobPull(sizes: Sizes): Scenario {
  const size = formatSize(sizes.blob);
  return {
    id: 'pull',
    title: `pull of the ${size} blob, sha256 verified by the client`,
    metrics: [
      { id: 'pull', label: `pull ${size} through the registry process`, unit: 'MB/s', better: 'higher' },
      { id: 'pull-redirect', label: `pull ${size} by presigned redirect`, unit: 'MB/s', better: 'higher' },
      {
        id: 'pull-redirect-pod-bytes',
        label: 'blob bytes sent by the pod during the redirect pull',
        unit: 'B',
        better: 'lower',
      },
    ],
    appliesTo: () => true,
    async prepare(target, context) {
      // Pulls what the push scenario left; when it did not run, one untimed push provides the blob.
      if (!context.pushedBlobs.has(target.id)) {
        const payload = context.payload('large', sizes.blob);
        await target.client.pushStreamed(REPOSITORY, payload);
        context.pushedBlobs.set(target.id, payload);
      }
      return [];
    },
    async run(target, context) {
      const payload = pushed(target, context);
      const figures: Figure[] = [await pull(target.client, payload, 'pull', false)];
      if (target.redirectPod) {
        const pod = target.redirectPod.client;
        const before = await bytesSent(pod);
        figures.push(await pull(pod, payload, 'pull-redirect', true));
        figures.push({ metric: 'pull-redirect-pod-bytes', value: (await bytesSent(pod)) - before });
      }
      return figures;
    },
  };
}

function pushed(target: RegistryTarget, context: ScenarioContext): Payload {
  const payload = context.pushedBlobs.get(target.id);
  if (!payload) throw new Error(`no blob was pushed to ${target.id}`);
  return payload;
}

async function pull(
  client: RegistryClient,
  payload: Payload,
  metric: string,
  redirect: boolean,
): Promise<Figure> {
  const { result, ms } = await timed(() =>
    client.pullBlob(REPOSITORY, payload.digest, payload.size, redirect),
  );
  if (redirect && result.redirectedTo === undefined)
    throw new Error('the registry served the pull without redirecting');
  return { metric, value: megabytesPerSecond(result.bytes, ms), detail: { ms, bytes: result.bytes } };
}

/** Berth's berth_blob_bytes_sent_total counter. */
export async function bytesSent(client: RegistryClient): Promise<number> {
  const text = await client.text('/metrics');
  const match = /^berth_blob_bytes_sent_total(?:\{[^}]*\})?\s+(\S+)$/m.exec(text);
  if (!match) throw new Error('/metrics lacks berth_blob_bytes_sent_total');
  return Number(match[1]);
}
