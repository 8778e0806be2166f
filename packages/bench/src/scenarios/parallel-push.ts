import { repositoryFor, type Scenario } from '../scenario';
import type { Sizes } from '../options';
import { formatSize, megabytesPerSecond, timed } from '../util/units';

/** Many clients each pushing a distinct blob at the same moment; aggregate throughput. */
export function parallelPush(sizes: Sizes): Scenario {
  const label = `${sizes.parallelClients} parallel pushes of ${formatSize(sizes.parallelBlob)}`;
  return {
    id: 'parallel',
    title: `${sizes.parallelClients} clients pushing distinct ${formatSize(sizes.parallelBlob)} blobs at once`,
    metrics: [{ id: 'parallel', label, unit: 'MB/s', better: 'higher' }],
    watchMemory: true,
    appliesTo: () => true,
    async run(target, context) {
      const payloads = Array.from({ length: sizes.parallelClients }, (_, i) =>
        context.payload(`parallel-${i}`, sizes.parallelBlob),
      );
      const repository = repositoryFor('parallel');
      const { ms } = await timed(() =>
        Promise.all(payloads.map((payload) => target.client.pushStreamed(repository, payload))),
      );
      const bytes = payloads.reduce((total, payload) => total + payload.size, 0);
      return [{ metric: 'parallel', value: megabytesPerSecond(bytes, ms), detail: { ms, bytes } }];
    },
  };
}
