import { randomUUID } from 'node:crypto';
import { finished } from 'node:stream/promises';
import type { Readable, Writable } from 'node:stream';
import type { BlobStore, ResumableWrite } from '@berth/blob-store/port';
import type { BlobRecord, MetadataStore, WriteContext } from '@berth/metadata-store/port';
import { InvalidDigestError, InvalidSizeError, UploadOutOfOrderError } from '../errors/domain-errors';
import { createDigester, parseDigest, type Digest } from '../oci/digest';
import { HashingStream } from './hashing-stream';
import { UploadHashers, type UploadHasher } from './upload-hashers';
import { uploadWriteKey, type LoadedSession, type UploadSessions } from './upload-sessions';

/** Where an upload stands: the client resumes at `size`. */
export interface UploadProgress {
  id: string;
  size: number;
}

/** A chunk of an upload: its bytes and, when the client declared them, its offset and length. */
export interface Chunk {
  body: Readable;
  start?: number;
  length?: number;
}

/** A blob now stored in a repository. */
export interface StoredBlob {
  digest: string;
  size: number;
}

/** Reports upload activity to whoever keeps metrics. */
export interface UploadObserver {
  sessionOpened(): void;
  sessionClosed(): void;
  bytesReceived(bytes: number): void;
  /** A blob upload completed: its size, and the time since its session started (in any process). */
  blobUploaded(bytes: number, seconds: number): void;
}

/** What uploads ask of the metadata store: whether a blob is known, and adding it to a repository. */
export type UploadMetadata = Pick<MetadataStore, 'findBlob' | 'addBlob' | 'linkBlob'>;

/** The repository an upload's blob joins, and who it is recorded as. */
interface WriteTarget {
  repository: string;
  writer: WriteContext;
}

const noObserver: UploadObserver = {
  sessionOpened() {},
  sessionClosed() {},
  bytesReceived() {},
  blobUploaded() {},
};

/** Blob uploads: sessions, chunks in order, digest verification and the final hand-over to the repository. */
export class UploadService {
  private readonly hashers = new UploadHashers();

  constructor(
    private readonly deps: {
      blobs: BlobStore;
      metadata: UploadMetadata;
      sessions: UploadSessions;
      observer?: UploadObserver;
    },
  ) {}

  private get observer(): UploadObserver {
    return this.deps.observer ?? noObserver;
  }

  /** The smallest chunk worth sending, when the blob store has one. */
  get minChunkSize(): number {
    return this.deps.blobs.minEfficientAppend;
  }

  async start(repository: string): Promise<UploadProgress> {
    const id = randomUUID();
    const write = await this.deps.blobs.startWrite(uploadWriteKey(id));
    await this.deps.sessions.create({ id, repository, write, startedAt: new Date().toISOString() });
    this.observer.sessionOpened();
    return { id, size: 0 };
  }

  async status(repository: string, id: string): Promise<UploadProgress> {
    const { session } = await this.deps.sessions.load(repository, id);
    return { id, size: session.write.size };
  }

  async append(repository: string, id: string, chunk: Chunk): Promise<UploadProgress> {
    return this.locked(repository, id, async (loaded) => {
      const saved = await this.appendChunk(loaded, chunk, 'sha256');
      return { id, size: saved.session.write.size };
    });
  }

  /** Finishes an upload with an optional last chunk; the blob joins the repository once its digest checks out. */
  async complete(
    repository: string,
    id: string,
    digestParam: string,
    chunk?: Chunk,
    writer: WriteContext = {},
  ): Promise<StoredBlob> {
    const digest = parseDigest(digestParam);
    const target = { repository, writer };
    return this.locked(repository, id, async (loaded) => {
      if (chunk && isWholeBlob(loaded, chunk)) return this.storeWholeBlob(target, loaded, chunk, digest);
      const current = chunk ? await this.appendChunk(loaded, chunk, digest.algorithm) : loaded;
      const write = current.session.write;
      const hasher = this.hashers.take(id, write.size, digest.algorithm);
      try {
        const stored = await this.storeBlob(target, write, digest, hasher);
        await this.closeSession(id);
        this.observer.blobUploaded(stored.size, secondsSince(loaded.session.startedAt));
        return stored;
      } catch (error) {
        if (error instanceof InvalidDigestError) await this.discard(id, write);
        throw error;
      }
    });
  }

  /**
   * Uploads a whole blob in one request (POST with `digest`). No session is opened and no lock
   * taken: nothing else can address the upload, so nothing of it lives in the coordinator. The
   * bytes go straight to a new object, which only joins the repository once its digest checks
   * out; a body cut short, a wrong size or a failed write leaves no object and no pending write.
   */
  async uploadWhole(
    repository: string,
    digestParam: string,
    chunk: Chunk,
    writer: WriteContext = {},
  ): Promise<StoredBlob> {
    const digest = parseDigest(digestParam);
    if (chunk.start !== undefined && chunk.start !== 0) throw new UploadOutOfOrderError(0);
    const startedAt = Date.now();
    // Keyed like every blob object, by an upload id: here one that no session will ever have.
    const stored = await this.putVerified(
      { repository, writer },
      uploadWriteKey(randomUUID()),
      chunk,
      digest,
    );
    this.observer.blobUploaded(stored.size, secondsSince(startedAt));
    return stored;
  }

  async cancel(repository: string, id: string): Promise<void> {
    const { session } = await this.deps.sessions.load(repository, id);
    await this.discard(id, session.write);
  }

  private async locked<T>(
    repository: string,
    id: string,
    work: (loaded: LoadedSession) => Promise<T>,
  ): Promise<T> {
    const { sessions } = this.deps;
    // The session is read once, under the lock. A second request on the same upload while one is
    // streaming is answered like a chunk out of order: the client learns where the upload stands
    // and can resume from there.
    return sessions.withLock(
      id,
      async () => new UploadOutOfOrderError((await sessions.load(repository, id)).session.write.size),
      async () => work(await sessions.load(repository, id)),
    );
  }

  /**
   * Stores a blob whose bytes all came in the completing request, as clients push most blobs
   * (POST, then one PUT): straight to its object, without staging them as a resumable write
   * first, which saves the blob store a round of work and, on S3, a multipart upload. Whether the
   * blob is known is asked under the upload's lock, so that an earlier attempt of this very upload
   * that recorded it is seen, and its object is never written over.
   */
  private async storeWholeBlob(
    target: WriteTarget,
    loaded: LoadedSession,
    chunk: Chunk,
    digest: Digest,
  ): Promise<StoredBlob> {
    const { id, write } = loaded.session;
    let stored: StoredBlob;
    try {
      stored = await this.putVerified(target, write.key, chunk, digest);
    } catch (error) {
      if (error instanceof InvalidDigestError) await this.discard(id, write);
      throw error;
    }
    // The resumable write the upload started with never received a byte.
    await this.deps.blobs.abortWrite(write);
    await this.closeSession(id);
    this.observer.blobUploaded(stored.size, secondsSince(loaded.session.startedAt));
    return stored;
  }

  /**
   * Streams a whole blob through its hash straight to the object `key` (a put: it appears only
   * once complete, and a failed put leaves nothing behind), then adds it to the repository if the
   * digest checks out, or deletes it. A known blob's bytes are only checked, not stored again.
   */
  private async putVerified(
    target: WriteTarget,
    key: string,
    chunk: Chunk,
    digest: Digest,
  ): Promise<StoredBlob> {
    const { blobs, metadata } = this.deps;
    const known = await metadata.findBlob(digest.value);
    const hash = createDigester(digest.algorithm);
    const hashing = new HashingStream(hash);
    await this.receive(chunk, hashing, async () => {
      if (known) await finished(hashing.resume());
      else await blobs.put(key, hashing, chunk.length);
    });
    try {
      assertDigest(digest, hash.digest('hex'));
    } catch (error) {
      if (!known) await blobs.delete(key);
      throw error;
    }
    if (known) return this.link(target, known);
    return this.record(target, { digest: digest.value, size: hashing.bytes, storageKey: key });
  }

  private async appendChunk(
    loaded: LoadedSession,
    chunk: Chunk,
    algorithm: Digest['algorithm'],
  ): Promise<LoadedSession> {
    const { id, write } = loaded.session;
    if (chunk.start !== undefined && chunk.start !== write.size) throw new UploadOutOfOrderError(write.size);
    const hasher = this.hashers.resume(id, write.size, algorithm);
    const hashing = new HashingStream(hasher?.hash);
    let appended: ResumableWrite;
    try {
      appended = await this.receive(chunk, hashing, () =>
        this.deps.blobs.append(write, hashing, chunk.length),
      );
    } catch (error) {
      this.hashers.forget(id);
      throw error;
    }
    const saved = await this.deps.sessions.save(loaded, appended);
    if (hasher) this.hashers.keep(id, { ...hasher, size: appended.size });
    return saved;
  }

  /** Streams a chunk's bytes through `hashing` into what `store` writes, counting them once in. */
  private async receive<T>(chunk: Chunk, hashing: HashingStream, store: () => Promise<T>): Promise<T> {
    const storing = store();
    try {
      const [stored] = await Promise.all([storing, feed(chunk.body, hashing)]);
      this.observer.bytesReceived(hashing.bytes);
      return stored;
    } catch (error) {
      // Keep reading what the client still sends so the error response can reach it.
      chunk.body.unpipe(hashing);
      chunk.body.resume();
      hashing.destroy();
      // When the body fails first, the store is still at work; until it stops, the upload's lock
      // must stay held, or the client's retry would write beside it (and the late write undo it).
      await storing.catch(() => undefined);
      throw lengthMismatch(chunk, hashing) ?? error;
    }
  }

  private async storeBlob(
    target: WriteTarget,
    write: ResumableWrite,
    digest: Digest,
    hasher: UploadHasher | undefined,
  ): Promise<StoredBlob> {
    const { blobs, metadata } = this.deps;
    if (hasher) assertDigest(digest, hasher.hash.digest('hex'));
    // Only bytes this process has verified may stand in for the copy the registry holds.
    const known = hasher ? await metadata.findBlob(digest.value) : undefined;
    if (known) {
      await blobs.abortWrite(write);
      return this.link(target, known);
    }
    const { size } = await blobs.commitWrite(write).catch(async (error: unknown) => {
      // A completion retried after an attempt that failed past its commit (metadata down): the
      // object is in place and the write's staged bytes are gone, so committing again fails.
      const committed = await blobs.stat(write.key);
      if (!committed) throw error;
      return committed;
    });
    if (!hasher) {
      try {
        assertDigest(digest, await this.hashStored(write.key, digest.algorithm));
      } catch (error) {
        await blobs.delete(write.key);
        throw error;
      }
    }
    return this.record(target, { digest: digest.value, size, storageKey: write.key });
  }

  /** Verified bytes of a blob the registry already holds: the repository links the copy it has. */
  private async link({ repository, writer }: WriteTarget, known: BlobRecord): Promise<StoredBlob> {
    await this.deps.metadata.linkBlob(repository, known.digest, writer);
    return { digest: known.digest, size: known.size };
  }

  /** Adds a stored, verified object to the repository as the blob it is. */
  private async record({ repository, writer }: WriteTarget, blob: BlobRecord): Promise<StoredBlob> {
    const { blob: recorded, created } = await this.deps.metadata.addBlob(repository, blob, writer);
    // Another upload's copy won; unless the winner is this very upload, recorded by an earlier attempt.
    if (!created && recorded.storageKey !== blob.storageKey) await this.deps.blobs.delete(blob.storageKey);
    return { digest: recorded.digest, size: recorded.size };
  }

  /** Hashes a stored object; used when this process did not see every byte of the upload. */
  private async hashStored(key: string, algorithm: Digest['algorithm']): Promise<string> {
    const { stream } = await this.deps.blobs.read(key);
    const hash = createDigester(algorithm);
    for await (const part of stream) hash.update(part as Buffer);
    return hash.digest('hex');
  }

  private async discard(id: string, write: ResumableWrite): Promise<void> {
    await this.deps.blobs.abortWrite(write);
    await this.closeSession(id);
  }

  private async closeSession(id: string): Promise<void> {
    this.hashers.forget(id);
    await this.deps.sessions.delete(id);
    this.observer.sessionClosed();
  }
}

/** Whether a chunk is the whole blob: nothing came before it, and its length is declared. */
function isWholeBlob(loaded: LoadedSession, chunk: Chunk): boolean {
  return loaded.session.write.size === 0 && chunk.length !== undefined && (chunk.start ?? 0) === 0;
}

/**
 * Seconds since an ISO time (possibly of another process's clock) or a time in milliseconds,
 * never below zero.
 */
function secondsSince(time: string | number): number {
  const since = typeof time === 'string' ? Date.parse(time) : time;
  return Math.max(0, (Date.now() - since) / 1000);
}

/**
 * The chunk's body and its declared length, when they disagree: a chunked body, whose length only
 * Content-Range declares, that runs past it or ends short of it. The store refuses it with an error
 * of its own, but the fault is the client's.
 */
function lengthMismatch(chunk: Chunk, hashing: HashingStream): InvalidSizeError | undefined {
  const { length } = chunk;
  if (length === undefined) return undefined;
  if (hashing.bytes > length)
    return new InvalidSizeError(`chunk body runs past its declared ${length} bytes`);
  if (chunk.body.readableEnded && hashing.bytes < length) {
    return new InvalidSizeError(`chunk body ends after ${hashing.bytes} of its declared ${length} bytes`);
  }
  return undefined;
}

function assertDigest(expected: Digest, actualHex: string): void {
  if (actualHex !== expected.hex) {
    throw new InvalidDigestError(
      `uploaded content has digest ${expected.algorithm}:${actualHex}, not ${expected.value}`,
    );
  }
}

/**
 * Pipes a request body into the stream a store reads. A body that fails (a client that resets or
 * goes away, broken chunked framing) fails that stream too, so the store's read ends with the error
 * instead of waiting for bytes that never come. The store may not be reading yet, or may have
 * stopped, so the error reaches it through its read alone: the stream's 'error' event, which would
 * end the process with no listener, is observed here.
 */
async function feed(source: Readable, target: Writable): Promise<void> {
  target.on('error', () => undefined);
  source.pipe(target);
  try {
    await finished(source);
  } catch (error) {
    target.destroy(error as Error);
    throw error;
  }
}
