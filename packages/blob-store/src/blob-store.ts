import type { Readable } from 'node:stream';

/** An inclusive byte range, as in an HTTP Range header. */
export interface ByteRange {
  start: number;
  end: number;
}

/** What a store knows about a stored object. */
export interface ObjectStat {
  size: number;
}

/** A committed object, as a listing finds it. */
export interface StoredObject {
  readonly key: string;
  readonly size: number;
  /**
   * When the object was stored, to the precision of the storage's clock: no later than when it
   * became visible, and no earlier than when the put or resumable write that stored it started
   * (S3 may date an object written in parts from the start of its upload). A safety window for
   * deleting unreferenced objects must therefore outlast the longest write.
   */
  readonly lastModified: Date;
}

/** An object's bytes, whole or a range of them. */
export interface ObjectRead {
  stream: Readable;
  /** Size of the whole object, not of the range. */
  size: number;
  range?: ByteRange;
}

/** JSON-serialisable values, so write state can be kept by another process between requests. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * The state of a resumable write: which object it will become and how many bytes it holds.
 * Everything else is the adapter's own and opaque to callers. It is saved between requests
 * (possibly by another process) and handed back unchanged.
 */
export interface ResumableWrite {
  readonly key: string;
  readonly size: number;
  readonly adapter: { [key: string]: JsonValue };
}

/** A resumable write found in storage: started, then neither committed nor aborted. */
export interface PendingWrite {
  readonly key: string;
  /**
   * When the write started, or a later time when the store cannot tell (such as when it first or
   * last stored bytes of it), to the precision of the storage's clock.
   */
  readonly startedAt: Date;
  /**
   * Removes everything the write stored. Idempotent, and harmless to the object at `key` when the
   * write was committed meanwhile: a discard racing a commit may fail the commit, never undo it.
   */
  discard(): Promise<void>;
}

/**
 * Byte-level object storage. Keys are slash-separated relative paths ([A-Za-z0-9._-] segments,
 * no empty, `.` or `..` segment). Objects appear atomically: a reader never sees a partial object.
 */
export interface BlobStore {
  /** Adapter name, for logs and metrics. */
  readonly kind: string;
  /**
   * The smallest append that the store takes without buffering it in an extra object
   * (S3 parts must be 5 MiB except the last); 0 when any size is as good as any other.
   */
  readonly minEfficientAppend: number;

  stat(key: string): Promise<ObjectStat | undefined>;
  /** Throws ObjectNotFoundError or InvalidRangeError. */
  read(key: string, range?: ByteRange): Promise<ObjectRead>;
  /** Streams a whole object in; it becomes visible only once complete. `size`, when known, avoids buffering. */
  put(key: string, body: Readable, size?: number): Promise<ObjectStat>;
  /** Idempotent: deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  /**
   * The committed objects whose keys start with `prefix`, in byte order of their keys; never a
   * put still streaming in or a resumable write not yet committed. The prefix is empty (every
   * object), a key, or a key and a slash, and may end inside a segment (`blobs/ab` finds
   * `blobs/abc`); any other fails the iteration with InvalidKeyError. Lazy: reads storage a page
   * (or a folder) at a time as it is consumed, and stops when the caller does. Objects put or
   * deleted meanwhile may or may not be listed.
   */
  listObjects(prefix: string): AsyncIterable<StoredObject>;
  /** A time-limited URL that reads the object directly, or undefined when the store cannot issue one. */
  presignRead(key: string, expiresInSeconds: number): Promise<string | undefined>;

  /** Begins an object written by several appends, possibly from different processes. */
  startWrite(key: string): Promise<ResumableWrite>;
  /**
   * Appends a stream to a write and returns the new state. If it fails, the state passed in is
   * still valid: appending to it again overwrites whatever the failed attempt left behind.
   * `length`, when known, lets the adapter stream without buffering.
   */
  append(write: ResumableWrite, body: Readable, length?: number): Promise<ResumableWrite>;
  /** Makes the written bytes visible as the object `write.key`, in time independent of its size. */
  commitWrite(write: ResumableWrite): Promise<ObjectStat>;
  /** Discards a write and everything it stored; idempotent. */
  abortWrite(write: ResumableWrite): Promise<void>;
  /**
   * Resumable writes that started before `startedBefore` and were neither committed nor aborted,
   * found in the storage itself, so that writes whose state was lost can be discarded. A write
   * that has stored nothing yet may be missing. Lazy: pages through storage as it is consumed.
   */
  listWrites(startedBefore: Date): AsyncIterable<PendingWrite>;

  /** Throws when the backend cannot be reached. */
  checkHealth(): Promise<void>;
  close(): Promise<void>;
}
