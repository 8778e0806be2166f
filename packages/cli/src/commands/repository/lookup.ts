import type { ManifestRecord, MetadataStore, PageRequest } from '@berth/metadata-store';
import { assertRepositoryName, assertTag, looksLikeDigest, parseDigest } from '@berth/server';
import { CommandError } from '../../command';

/** The manifest a tag or digest names, as the registry tells them apart: only digests contain ':'. */
export async function findManifest(
  store: MetadataStore,
  repository: string,
  reference: string,
): Promise<ManifestRecord> {
  // The registry's own rules, so the CLI refuses exactly what the API would.
  assertRepositoryName(repository);
  const isDigest = looksLikeDigest(reference);
  if (isDigest) parseDigest(reference);
  else assertTag(reference);
  const manifest = isDigest
    ? await store.findManifestByDigest(repository, reference)
    : await store.findManifestByTag(repository, reference);
  if (manifest) return manifest;
  // Both lookups miss alike for an unknown repository; only the message tells which it was.
  if (!(await store.repositoryExists(repository))) throw repositoryNotFound(repository);
  throw new CommandError(`no ${isDigest ? 'manifest' : 'tag'} ${reference} in repository ${repository}`);
}

/** A page of a repository's tags; throws when there is no such repository. */
export async function tagsPage(
  store: MetadataStore,
  repository: string,
  page: PageRequest,
): Promise<string[]> {
  const tags = await store.tagsPage(repository, page);
  if (tags === undefined) throw repositoryNotFound(repository);
  return tags;
}

function repositoryNotFound(repository: string): CommandError {
  return new CommandError(`no repository ${repository}`);
}
