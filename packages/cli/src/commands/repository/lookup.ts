import {
  assertRepositoryName,
  parseReference,
  RepositoryNotFoundError,
  type MetadataServices,
} from '@berth/core';
import type { ManifestRecord, PageRequest } from '@berth/metadata-store';
import { CommandError } from '../../command';

/**
 * The manifest a tag or digest names, found by the registry's manifest service. The name and the
 * reference are held to the rules of a push, so the CLI refuses exactly what the API would.
 */
export async function findManifest(
  { manifests, listing }: MetadataServices,
  repository: string,
  reference: string,
): Promise<ManifestRecord> {
  assertRepositoryName(repository);
  const parsed = parseReference(reference);
  const manifest = await manifests.find(repository, parsed);
  if (manifest) return manifest;
  // Both lookups miss alike for an unknown repository; only the message tells which it was.
  if (!(await listing.repositoryExists(repository))) throw repositoryNotFound(repository);
  throw new CommandError(
    `no ${'digest' in parsed ? 'manifest' : 'tag'} ${reference} in repository ${repository}`,
  );
}

/** A page of a repository's tags; throws when there is no such repository. */
export async function tagsPage(
  { listing }: MetadataServices,
  repository: string,
  { limit, last }: PageRequest,
): Promise<string[]> {
  try {
    return (await listing.tagsPage(repository, limit, last)).names;
  } catch (error) {
    if (error instanceof RepositoryNotFoundError) throw repositoryNotFound(repository);
    throw error;
  }
}

function repositoryNotFound(repository: string): CommandError {
  return new CommandError(`no repository ${repository}`);
}
