import { repositoryFor, type Scenario } from '../scenario';
import type { Sizes } from '../options';
import { formatSize, megabytesPerSecond, timed } from '../util/units';

/** A blob pushed in PATCHes of a fixed size with Content-Range, then completed by an empty PUT. */
export function chunkedPush(sizes: Sizes): Scenario {
  const label = `chunked push ${formatSize(sizes.chunked)} in ${formatSize(sizes.chunk)} PATCHes`;
  return {
    id: 'chunked',
    title: label,
    metrics: [{ id: 'chunked', label, unit: 'MB/s', better: 'higher' }],
    appliesTo: () => true,
    async run(target, context) {
      const payload = context.payload('chunked', sizes.chunked);
      const { ms } = await timed(() =>
        target.client.pushChunked(repositoryFor('chunked'), payload, sizes.chunk),
      );
      return [
        {
          metric: 'chunked',
          value: megabytesPerSecond(payload.size, ms),
          detail: { ms, bytes: payload.size },
        },
      ];
    },
  };
}
