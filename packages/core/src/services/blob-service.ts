import {
  InvalidRangeError,
  ObjectNotFoundError,
  type BlobStore,
  type ByteRange,
  type ObjectRead,
} from '@berth/blob-store/port';
import type { BlobRecord, MetadataStore, WriteContext } from '@berth/metadata-store/port';
import { BlobNotFoundError, RangeNotSatisfiableError } from '../errors/domain-errors';
import { parseDigest } from '../oci/digest';
import { assertRepositoryName } from '../oci/names';

/** Reading, mounting and unlinking blobs of a repository. */
export class BlobService {
  constructor(
    private readonly deps: {
      blobs: BlobStore;
      metadata: MetadataStore;
      /** Presigned-URL lifetime when pulls are redirected; undefined serves every pull through the process. */
      redirectExpirySeconds?: number;
    },
  ) {}

  /** The blob's record; throws BlobNotFoundError unless it is in the repository. */
  async stat(repository: string, digest: string): Promise<BlobRecord> {
    parseDigest(digest);
    const blob = await this.deps.metadata.findRepositoryBlob(repository, digest);
    if (!blob) throw new BlobNotFoundError(`blob ${digest} is not in ${repository}`, { digest });
    return blob;
  }

  /** A URL the client may fetch the bytes from directly, when redirects are on and the store can presign. */
  async redirectUrl(blob: BlobRecord): Promise<string | undefined> {
    const expiry = this.deps.redirectExpirySeconds;
    return expiry === undefined ? undefined : this.deps.blobs.presignRead(blob.storageKey, expiry);
  }

  /** Opens the blob's bytes, or a range of them. */
  async open(blob: BlobRecord, range?: ByteRange): Promise<ObjectRead> {
    try {
      return await this.deps.blobs.read(blob.storageKey, range);
    } catch (error) {
      if (error instanceof InvalidRangeError) throw new RangeNotSatisfiableError(blob.size);
      if (error instanceof ObjectNotFoundError) {
        throw new BlobNotFoundError(`blob ${blob.digest} is recorded but its bytes are missing`);
      }
      throw error;
    }
  }

  /**
   * Links a blob that already exists into the repository: from `from` when given, otherwise from
   * anywhere in the registry. Returns false when there is nothing to mount.
   */
  async mount(
    repository: string,
    digest: string,
    from?: string,
    writer: WriteContext = {},
  ): Promise<boolean> {
    parseDigest(digest);
    if (from !== undefined) assertRepositoryName(from);
    const source = from
      ? await this.deps.metadata.findRepositoryBlob(from, digest)
      : await this.deps.metadata.findBlob(digest);
    if (!source) return false;
    return this.deps.metadata.linkBlob(repository, digest, writer);
  }

  /** Removes the blob from the repository; its bytes stay while other repositories link them. */
  async delete(repository: string, digest: string, writer: WriteContext = {}): Promise<void> {
    parseDigest(digest);
    const removed = await this.deps.metadata.unlinkBlob(repository, digest, writer);
    if (!removed) throw new BlobNotFoundError(`blob ${digest} is not in ${repository}`, { digest });
  }
}
