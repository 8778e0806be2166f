import { repositoryFor, type Figure, type MetricSpec, type Scenario } from '../scenario';
import type { Sizes } from '../options';
import { makeSmallImage } from '../oci/image';
import type { RegistryClient } from '../oci/registry-client';
import { numberedTag } from '../targets/registry-target';
import { forEachLimited } from '../util/concurrency';
import { timed } from '../util/units';

const TAG_NAMES = { prefix: 't', width: 7 };
const tagName = (i: number): string => numberedTag(TAG_NAMES, i);
const count = (n: number): string => n.toLocaleString('en-US');

/**
 * Tag listing of repositories with many tags: the first page of `n`, a walk of every page by
 * following Link, and the whole list without `n`. The tags are made over HTTP, one manifest
 * tagged many times by concurrent PUTs, and how fast that goes is reported too; except that
 * above `tagHttpMax` they are made in the registry's own storage where it has a `tagSeeder`: only
 * the listing is measured there, and HTTP would take minutes.
 */
export function tagList(sizes: Sizes): Scenario {
  const metrics: MetricSpec[] = sizes.tagCounts.flatMap((tags) => [
    {
      id: `tags-${tags}-populate`,
      label: `create ${count(tags)} tags over HTTP (${sizes.tagConcurrency} PUTs at once)`,
      unit: 'tags/s',
      better: 'higher' as const,
      once: true,
    },
    {
      id: `tags-${tags}-first-page`,
      label: `tag list of ${count(tags)}: first page of ${count(sizes.tagPage)}`,
      unit: 'ms',
      better: 'lower' as const,
    },
    {
      id: `tags-${tags}-walk`,
      label: `tag list of ${count(tags)}: every page of ${count(sizes.tagPage)}`,
      unit: 'ms',
      better: 'lower' as const,
    },
    {
      id: `tags-${tags}-whole`,
      label: `tag list of ${count(tags)}: whole (no n)`,
      unit: 'ms',
      better: 'lower' as const,
    },
  ]);
  return {
    id: 'tags',
    title: `tag listing of ${sizes.tagCounts.map(count).join(' and ')} tags`,
    metrics,
    appliesTo: () => true,
    async prepare(target, context) {
      const figures: Figure[] = [];
      for (const tags of sizes.tagCounts) {
        const repository = repositoryFor(`tags-${tags}`);
        const image = makeSmallImage(context.seed(`tags-${tags}`), 1, 1024);
        await target.client.pushImage(repository, image, tagName(0));
        context.progress(`tags: creating ${count(tags)} tags on ${target.id}`);
        if (target.tagSeeder && tags > sizes.tagHttpMax) {
          await target.tagSeeder.seed(repository, tagName(0), { ...TAG_NAMES, count: tags - 1 });
          await expectManifest(target.client, repository, tagName(tags - 1), image.manifest.bytes);
          continue;
        }
        const { ms } = await timed(() =>
          forEachLimited(tags - 1, sizes.tagConcurrency, (i) =>
            target.client.putManifest(repository, tagName(i + 1), image.manifest.bytes),
          ),
        );
        figures.push({ metric: `tags-${tags}-populate`, value: (tags - 1) / (ms / 1000), detail: { ms } });
      }
      return figures;
    },
    async run(target) {
      const figures: Figure[] = [];
      for (const tags of sizes.tagCounts) {
        const path = `/v2/${repositoryFor(`tags-${tags}`)}/tags/list`;
        figures.push(...(await listings(target.client, path, tags, sizes.tagPage, `tags-${tags}`)));
      }
      return figures;
    },
  };
}

/** A listing reads only tag names: this fails if a tag made behind the registry's back is broken. */
async function expectManifest(
  client: RegistryClient,
  repository: string,
  tag: string,
  manifest: Buffer,
): Promise<void> {
  if (!(await client.getManifest(repository, tag)).equals(manifest))
    throw new Error(`${repository}:${tag} is not the manifest it was made for`);
}

async function listings(
  client: RegistryClient,
  path: string,
  tags: number,
  pageSize: number,
  id: string,
): Promise<Figure[]> {
  const first = await timed(() => client.tagPage(`${path}?n=${pageSize}`));
  const walk = await timed(async () => {
    let page = await client.tagPage(`${path}?n=${pageSize}`);
    let listed = page.tags.length;
    let pages = 1;
    while (page.next !== undefined) {
      page = await client.tagPage(page.next);
      listed += page.tags.length;
      pages++;
    }
    return { listed, pages };
  });
  const whole = await timed(() => client.tagPage(path));
  if (walk.result.listed !== tags || whole.result.tags.length !== tags) {
    throw new Error(
      `${path}: the walk listed ${walk.result.listed} tags and the whole list ${whole.result.tags.length}, not ${tags}`,
    );
  }
  return [
    { metric: `${id}-first-page`, value: first.ms, detail: { tags: first.result.tags.length } },
    { metric: `${id}-walk`, value: walk.ms, detail: { pages: walk.result.pages } },
    { metric: `${id}-whole`, value: whole.ms },
  ];
}
