import type { ManifestRecord, MetadataStore, WriteContext } from '@berth/metadata-store/port';
import {
  InvalidDigestError,
  InvalidTagError,
  ManifestNotFoundError,
  ManifestReferencesUnknownError,
  ManifestTooLargeError,
} from '../errors/domain-errors';
import { digestOf, looksLikeDigest, parseDigest } from '../oci/digest';
import { parseManifest } from '../oci/manifest';
import { assertTag } from '../oci/names';
import type { ManifestCache } from './manifest-cache';

/** A manifest reference from a URL: a tag or a digest. */
export type ManifestReference = { tag: string } | { digest: string };

/** Parses the `<reference>` path segment, validating it as a digest or a tag. */
export function parseReference(reference: string): ManifestReference {
  if (looksLikeDigest(reference)) return { digest: parseDigest(reference).value };
  assertTag(reference);
  return { tag: reference };
}

/**
 * Like parseReference, for looking a manifest up: a tag that breaks the grammar cannot exist,
 * so it is reported as unknown (404) rather than invalid, as clients and the conformance suite expect.
 */
function parseReadReference(reference: string): ManifestReference {
  try {
    return parseReference(reference);
  } catch (error) {
    if (error instanceof InvalidTagError)
      throw new ManifestNotFoundError(`no manifest is tagged ${reference}`);
    throw error;
  }
}

/** The outcome of storing a manifest. */
export interface PushedManifest {
  digest: string;
  subjectDigest?: string;
}

/** Pushing, pulling and deleting manifests and tags. */
export class ManifestService {
  constructor(private readonly deps: { metadata: MetadataStore; maxBytes: number; cache?: ManifestCache }) {}

  get maxBytes(): number {
    return this.deps.maxBytes;
  }

  /** The manifest a tag or digest names; throws ManifestNotFoundError when there is none. */
  async get(repository: string, reference: string): Promise<ManifestRecord> {
    const manifest = await this.find(repository, parseReadReference(reference));
    if (!manifest) throw new ManifestNotFoundError(`manifest ${reference} is not in ${repository}`);
    return manifest;
  }

  /**
   * The manifest a parsed reference names, or undefined: for callers that validate references
   * themselves and say in their own words what is missing.
   */
  async find(repository: string, reference: ManifestReference): Promise<ManifestRecord | undefined> {
    const { metadata, cache } = this.deps;
    const load = (): Promise<ManifestRecord | undefined> =>
      'tag' in reference
        ? metadata.findManifestByTag(repository, reference.tag)
        : metadata.findManifestByDigest(repository, reference.digest);
    return cache
      ? cache.read(repository, 'tag' in reference ? reference.tag : reference.digest, load)
      : load();
  }

  async put(
    repository: string,
    reference: string,
    payload: Buffer,
    contentType?: string,
    writer: WriteContext = {},
  ): Promise<PushedManifest> {
    const ref = parseReference(reference);
    if (payload.length > this.deps.maxBytes) {
      throw new ManifestTooLargeError(this.deps.maxBytes);
    }
    const algorithm = 'digest' in ref ? parseDigest(ref.digest).algorithm : 'sha256';
    const digest = digestOf(payload, algorithm);
    if ('digest' in ref && ref.digest !== digest) {
      throw new InvalidDigestError(`manifest has digest ${digest}, not ${ref.digest}`);
    }
    const parsed = parseManifest(payload, contentType);
    const result = await this.#changing(repository, () =>
      this.deps.metadata.putManifest(
        repository,
        { ...parsed, digest },
        'tag' in ref ? ref.tag : undefined,
        writer,
      ),
    );
    if (result.status === 'missing-references') {
      const missing = [...result.blobs, ...result.manifests];
      throw new ManifestReferencesUnknownError(
        `manifest references content not in ${repository}: ${missing.join(', ')}`,
        {
          blobs: result.blobs,
          manifests: result.manifests,
        },
      );
    }
    return { digest, ...(parsed.subjectDigest ? { subjectDigest: parsed.subjectDigest } : {}) };
  }

  /** Deleting by digest removes the manifest and its tags; deleting by tag removes only the tag. */
  async delete(repository: string, reference: string, writer: WriteContext = {}): Promise<void> {
    const ref = parseReadReference(reference);
    const { metadata } = this.deps;
    const deleted = await this.#changing(repository, () =>
      'tag' in ref
        ? metadata.deleteTag(repository, ref.tag, writer)
        : metadata.deleteManifest(repository, ref.digest, writer),
    );
    if (!deleted) throw new ManifestNotFoundError(`manifest ${reference} is not in ${repository}`);
  }

  /**
   * Runs a write to the repository's manifests or tags, then tells every process's cache, before
   * the client hears the outcome. Also after a failure: the write may have been committed anyway.
   */
  async #changing<T>(repository: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } finally {
      await this.deps.cache?.changed(repository);
    }
  }
}
