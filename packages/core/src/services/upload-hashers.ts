import type { Hash } from 'node:crypto';
import { createDigester, type DigestAlgorithm } from '../oci/digest';

/** A running hash of an upload's first `size` bytes. */
export interface UploadHasher {
  algorithm: DigestAlgorithm;
  hash: Hash;
  size: number;
}

/**
 * Running hashes of uploads this process has been receiving. Native hash state cannot be saved
 * and moved to another process, so when an upload's next chunk lands here after another process
 * took some, the hasher no longer matches the upload's size and the digest is verified at
 * completion by reading the committed blob back instead.
 */
export class UploadHashers {
  private readonly hashers = new Map<string, UploadHasher>();

  constructor(private readonly capacity = 1024) {}

  /** The hasher to continue an upload at `size` bytes, or undefined when none covers them. */
  resume(uploadId: string, size: number, algorithm: DigestAlgorithm): UploadHasher | undefined {
    const existing = this.hashers.get(uploadId);
    if (existing && existing.size === size && existing.algorithm === algorithm) return existing;
    this.hashers.delete(uploadId);
    if (size !== 0) return undefined;
    return { algorithm, hash: createDigester(algorithm), size: 0 };
  }

  /** Keeps a hasher whose bytes were durably appended. */
  keep(uploadId: string, hasher: UploadHasher): void {
    this.hashers.delete(uploadId);
    if (this.hashers.size >= this.capacity) {
      const oldest = this.hashers.keys().next().value;
      if (oldest !== undefined) this.hashers.delete(oldest);
    }
    this.hashers.set(uploadId, hasher);
  }

  /** Takes the hasher out, for completion; undefined when it does not cover `size` bytes. */
  take(uploadId: string, size: number, algorithm: DigestAlgorithm): UploadHasher | undefined {
    const hasher = this.hashers.get(uploadId);
    this.hashers.delete(uploadId);
    return hasher && hasher.size === size && hasher.algorithm === algorithm ? hasher : undefined;
  }

  forget(uploadId: string): void {
    this.hashers.delete(uploadId);
  }
}
