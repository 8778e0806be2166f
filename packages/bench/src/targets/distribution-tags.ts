import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { forEachLimited } from '../util/concurrency';
import { numberedTag, type NumberedTags, type TagSeeder } from './registry-target';

/** Enough to keep the disk busy without holding thousands of file descriptors. */
const TAGS_AT_ONCE = 64;

/** Makes tags straight in the storage folder of a Distribution on filesystem storage. */
export const distributionTagSeeder = (rootDirectory: string): TagSeeder => ({
  method: "writing each tag's two link files in its storage folder, as Distribution's tag PUT does",
  seed: (repository, existingTag, tags) => writeTags(rootDirectory, repository, existingTag, tags),
});

/**
 * Writes what Distribution's own tag PUT leaves: `_manifests/tags/<tag>/current/link` and
 * `_manifests/tags/<tag>/index/sha256/<hex>/link`, both holding the manifest's digest. Its
 * revision link, the manifest and its blobs are there already, from `existingTag`.
 */
async function writeTags(
  root: string,
  repository: string,
  existingTag: string,
  tags: NumberedTags,
): Promise<void> {
  const tagsFolder = join(root, 'docker/registry/v2/repositories', repository, '_manifests/tags');
  const digest = await readFile(join(tagsFolder, existingTag, 'current/link'), 'utf8');
  const hex = /^sha256:([0-9a-f]{64})$/.exec(digest)?.[1];
  if (hex === undefined)
    throw new Error(`${existingTag} of ${repository} links to ${digest}, not a sha256 digest`);
  await forEachLimited(tags.count, TAGS_AT_ONCE, async (i) => {
    const tagFolder = join(tagsFolder, numberedTag(tags, i + 1));
    const indexFolder = join(tagFolder, 'index/sha256', hex);
    await mkdir(indexFolder, { recursive: true });
    await mkdir(join(tagFolder, 'current'));
    await Promise.all([
      writeFile(join(tagFolder, 'current/link'), digest),
      writeFile(join(indexFolder, 'link'), digest),
    ]);
  });
}
