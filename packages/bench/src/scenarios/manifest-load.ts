import { repositoryFor, type Scenario } from '../scenario';
import type { Sizes } from '../options';
import { makeSmallImage } from '../oci/image';
import { runLoad } from '../oci/load';
import { MANIFEST_ACCEPT } from '../oci/media-types';

const REPOSITORY = repositoryFor('manifests');
const TAG = 'latest';
const METHODS = ['HEAD', 'GET'] as const;

/**
 * Manifest HEAD and GET by tag under load, as clients resolving a tag send them: half of the
 * keep-alive connections send HEAD back to back for a fixed time, the other half GET.
 */
export function manifestLoad(sizes: Sizes): Scenario {
  const load = `${sizes.manifestConnections} connections, ${sizes.manifestSeconds} s`;
  return {
    id: 'manifests',
    title: `manifest HEAD/GET by tag, ${load}`,
    metrics: [
      {
        id: 'manifest-requests',
        label: `manifest HEAD+GET by tag (${load})`,
        unit: 'req/s',
        better: 'higher',
      },
      ...METHODS.flatMap((method) => {
        const id = `manifest-${method.toLowerCase()}`;
        return [
          { id: `${id}-p50`, label: `manifest ${method} p50 latency`, unit: 'ms', better: 'lower' as const },
          { id: `${id}-p99`, label: `manifest ${method} p99 latency`, unit: 'ms', better: 'lower' as const },
        ];
      }),
    ],
    appliesTo: () => true,
    async prepare(target, context) {
      const image = makeSmallImage(context.seed('manifests'), 1, 1024);
      await target.client.pushImage(REPOSITORY, image, TAG);
      return [];
    },
    async run(target) {
      const result = await runLoad({
        url: `${target.url}/v2/${REPOSITORY}/manifests/${TAG}`,
        methods: METHODS,
        headers: { accept: MANIFEST_ACCEPT },
        connections: sizes.manifestConnections,
        seconds: sizes.manifestSeconds,
      });
      if (result.failures > 0 || result.requests === 0) {
        throw new Error(
          `manifest load: ${result.requests} ok, ${result.failures} failed (first: ${result.firstFailure})`,
        );
      }
      return [
        {
          metric: 'manifest-requests',
          value: result.perSecond,
          detail: { requests: result.requests, seconds: result.seconds },
        },
        ...METHODS.flatMap((method) => {
          const measured = result.byMethod[method];
          const id = `manifest-${method.toLowerCase()}`;
          return measured
            ? [
                { metric: `${id}-p50`, value: measured.p50, detail: { requests: measured.requests } },
                { metric: `${id}-p99`, value: measured.p99 },
              ]
            : [];
        }),
      ];
    },
  };
}
