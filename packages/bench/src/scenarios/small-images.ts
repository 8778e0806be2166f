import { repositoryFor, type Scenario } from '../scenario';
import type { Sizes } from '../options';
import { makeSmallImage } from '../oci/image';
import { formatSize, timed } from '../util/units';

/**
 * Small images pushed one after the other as a build pipeline pushes them: for each, the config
 * and layers in parallel (HEAD, POST, PUT each), then the manifest under a tag.
 */
export function smallImages(sizes: Sizes): Scenario {
  const label = `push ${sizes.smallImages} images (config + ${sizes.smallLayers} x ${formatSize(sizes.smallLayerSize)})`;
  return {
    id: 'small-images',
    title: label,
    metrics: [{ id: 'small-images', label, unit: 'images/s', better: 'higher' }],
    appliesTo: () => true,
    async run(target, context) {
      const images = Array.from({ length: sizes.smallImages }, (_, i) =>
        makeSmallImage(`${context.seed('small-images')}/${i}`, sizes.smallLayers, sizes.smallLayerSize),
      );
      const repository = repositoryFor('small-images');
      const { ms } = await timed(async () => {
        for (const [i, image] of images.entries()) {
          await target.client.pushImage(repository, image, `r${context.rep}-${i}`);
        }
      });
      return [{ metric: 'small-images', value: images.length / (ms / 1000), detail: { ms } }];
    },
  };
}
