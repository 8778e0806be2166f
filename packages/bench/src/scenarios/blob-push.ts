import { repositoryFor, type Scenario } from '../scenario';
import type { Sizes } from '../options';
import { formatSize, megabytesPerSecond, timed } from '../util/units';

/** A large blob pushed monolithically: POST, then one PUT streaming a body generated on the fly. */
export function blobPush(sizes: Sizes): Scenario {
  return {
    id: 'push',
    title: `push of a ${formatSize(sizes.blob)} blob, monolithic`,
    metrics: [
      { id: 'push', label: `push ${formatSize(sizes.blob)} monolithic`, unit: 'MB/s', better: 'higher' },
    ],
    watchMemory: true,
    appliesTo: () => true,
    async run(target, context) {
      const payload = context.payload('large', sizes.blob);
      const { ms } = await timed(() => target.client.pushStreamed(repositoryFor('large'), payload));
      context.pushedBlobs.set(target.id, payload);
      return [
        { metric: 'push', value: megabytesPerSecond(payload.size, ms), detail: { ms, bytes: payload.size } },
      ];
    },
  };
}
