import type { ManifestRecord, MetadataStore, PageRequest } from '@berth/metadata-store';
import { CommandError } from '../../command';

// The OCI digest grammar. The server's own parser, which also checks the algorithm and length, is
// internal to @berth/server; a digest it would refuse is simply not found here.
const DIGEST_GRAMMAR = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** The manifest a tag or digest names, as the registry tells them apart: only digests contain ':'. */
export async function findManifest(
  store: MetadataStore,
  repository: string,
  reference: string,
): Promise<ManifestRecord> {
  const isDigest = reference.includes(':');
  if (isDigest && !DIGEST_GRAMMAR.test(reference)) throw new CommandError(`invalid digest "${reference}"`);
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
