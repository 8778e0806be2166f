/*
 * Layout under the root directory:
 *
 *   <root>/
 *   ├── objects/
 *   │   └── <key>              a committed object, at the caller's key
 *   └── staging/
 *       ├── put-<id>           a put still streaming in
 *       └── writes/
 *           └── <write id>/
 *               └── <key>      the bytes of a resumable write so far, named by the key it will
 *                              become so that listWrites can tell whose write it is
 *
 * Staged files are renamed into objects/ once complete, so a reader never sees a partial object
 * and listObjects, which walks objects/ alone, never lists one; they live under the same root so
 * that the rename never crosses filesystems.
 */
import {
  mkdir,
  open,
  opendir,
  readdir,
  rm,
  stat,
  unlink,
  writeFile,
  type FileHandle,
} from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import type {
  BlobStore,
  ByteRange,
  ObjectRead,
  ObjectStat,
  PendingWrite,
  ResumableWrite,
  StoredObject,
} from '../blob-store';
import { bytesOf, MeteredBytes } from '../byte-streams';
import { ObjectNotFoundError } from '../errors';
import { assertValidKey, assertValidKeyPrefix, isValidKey } from '../keys';
import { resolveRange } from '../ranges';
import { isStagingId, malformedWriteError, newStagingId } from '../staging-ids';
import { hasErrorCode, publish, pruneEmptyDirectories, writeChunks, WriteBehind } from './file-io';
import { listFiles } from './filesystem-listing';
import { filesystemOptionsSchema, type FilesystemBlobStoreOptions } from './filesystem-options';

// Reads of this size keep thread-pool round trips per pulled byte low (the default is 64 KiB).
const READ_CHUNK_BYTES = 1024 * 1024;

/** A BlobStore that keeps objects as files under one directory, for a single node. */
export class FilesystemBlobStore implements BlobStore {
  readonly kind = 'filesystem';
  readonly minEfficientAppend = 0;
  private readonly objects: string;
  private readonly staging: string;
  private readonly writes: string;
  private readonly writeBehind = new WriteBehind();

  constructor(options: FilesystemBlobStoreOptions) {
    const root = resolve(filesystemOptionsSchema.parse(options).root);
    this.objects = join(root, 'objects');
    this.staging = join(root, 'staging');
    this.writes = join(this.staging, 'writes');
  }

  async stat(key: string): Promise<ObjectStat | undefined> {
    const path = this.objectPath(key);
    try {
      const info = await stat(path);
      return info.isFile() ? { size: info.size } : undefined;
    } catch (error) {
      if (hasErrorCode(error, 'ENOENT', 'ENOTDIR')) return undefined;
      throw error;
    }
  }

  async read(key: string, range?: ByteRange): Promise<ObjectRead> {
    const path = this.objectPath(key);
    let file: FileHandle;
    try {
      file = await open(path, 'r');
    } catch (error) {
      if (hasErrorCode(error, 'ENOENT', 'ENOTDIR')) throw new ObjectNotFoundError(key);
      throw error;
    }
    // Size and bytes come from the same open file, so a concurrent replacement cannot mix them up.
    try {
      const info = await file.stat();
      if (!info.isFile()) throw new ObjectNotFoundError(key);
      const selected = range && resolveRange(range, info.size);
      return {
        stream: file.createReadStream({ ...selected, highWaterMark: READ_CHUNK_BYTES }),
        size: info.size,
        ...(selected !== undefined ? { range: selected } : {}),
      };
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  async put(key: string, body: Readable, size?: number): Promise<ObjectStat> {
    const target = this.objectPath(key);
    const staged = await this.stagingPath(`put-${newStagingId()}`);
    try {
      const written = await withFile(staged, 'wx', async (file) => {
        const count = await writeChunks(file, new MeteredBytes(bytesOf(body), size), 0, (start, end) =>
          this.writeBehind.written(staged, start, end),
        );
        await file.sync();
        return count;
      });
      await publish(staged, target);
      return { size: written };
    } catch (error) {
      await rm(staged, { force: true });
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.objectPath(key);
    try {
      await unlink(path);
    } catch (error) {
      if (hasErrorCode(error, 'ENOENT', 'ENOTDIR', 'EISDIR')) return;
      throw error;
    }
    await pruneEmptyDirectories(dirname(path), this.objects);
  }

  async *listObjects(prefix: string): AsyncGenerator<StoredObject> {
    yield* listFiles(this.objects, assertValidKeyPrefix(prefix));
  }

  async presignRead(key: string): Promise<string | undefined> {
    assertValidKey(key);
    return undefined;
  }

  // Nothing touches the disk before the first byte: most uploads arrive whole in the request that
  // completes them, and are stored with put rather than staged.
  async startWrite(key: string): Promise<ResumableWrite> {
    assertValidKey(key);
    return { key, size: 0, adapter: { id: newStagingId() } };
  }

  async append(write: ResumableWrite, body: Readable, length?: number): Promise<ResumableWrite> {
    const staged = this.stagedPathOf(write);
    const added = await this.withStagedWrite(write, (file) =>
      writeChunks(file, new MeteredBytes(bytesOf(body), length), write.size, (start, end) =>
        this.writeBehind.written(staged, start, end),
      ),
    );
    return { ...write, size: write.size + added };
  }

  async commitWrite(write: ResumableWrite): Promise<ObjectStat> {
    const target = this.objectPath(write.key);
    await this.withStagedWrite(write, (file) => file.sync());
    const staged = this.stagedPathOf(write);
    await publish(staged, target);
    await pruneEmptyDirectories(dirname(staged), this.writes);
    return { size: write.size };
  }

  async abortWrite(write: ResumableWrite): Promise<void> {
    await this.removeStagedWrite(this.stagedPathOf(write));
  }

  async *listWrites(startedBefore: Date): AsyncGenerator<PendingWrite> {
    for await (const id of namesIn(this.writes)) {
      if (!isStagingId(id)) continue;
      const folder = join(this.writes, id);
      for (const staged of await filesUnder(folder)) {
        const key = relative(folder, staged).split(sep).join('/');
        const startedAt = isValidKey(key) ? await creationTime(staged) : undefined;
        if (startedAt === undefined || startedAt.getTime() >= startedBefore.getTime()) continue;
        yield { key, startedAt, discard: () => this.removeStagedWrite(staged) };
      }
    }
  }

  async checkHealth(): Promise<void> {
    const probe = await this.stagingPath(`health-${newStagingId()}`);
    await writeFile(probe, '');
    await rm(probe);
  }

  async close(): Promise<void> {}

  private objectPath(key: string): string {
    return join(this.objects, assertValidKey(key));
  }

  private async stagingPath(name: string): Promise<string> {
    await mkdir(this.staging, { recursive: true });
    return join(this.staging, name);
  }

  private stagedWritePath(id: string, key: string): string {
    return join(this.writes, id, assertValidKey(key));
  }

  private stagedPathOf(write: ResumableWrite): string {
    assertValidKey(write.key);
    const { id } = write.adapter;
    if (!isStagingId(id) || !Number.isSafeInteger(write.size) || write.size < 0) {
      throw malformedWriteError(write.key);
    }
    return this.stagedWritePath(id, write.key);
  }

  /** Idempotent; the staged file may already have been committed, which leaves nothing to remove. */
  private async removeStagedWrite(staged: string): Promise<void> {
    // unlink rather than rm: one system call, where rm looks first; most writes aborted never staged a byte.
    await unlink(staged).catch((error: unknown) => {
      if (!hasErrorCode(error, 'ENOENT')) throw error;
    });
    await pruneEmptyDirectories(dirname(staged), this.writes);
  }

  /**
   * Opens a write's staging file cut back to `write.size`, creating it for an empty write: bytes
   * past it are what a failed append left, while a shorter file means the state does not belong
   * to it.
   */
  private async withStagedWrite<T>(write: ResumableWrite, use: (file: FileHandle) => Promise<T>): Promise<T> {
    const staged = this.stagedPathOf(write);
    let file: FileHandle;
    try {
      // An empty write has no file yet, or only what a failed first append left, which goes.
      if (write.size === 0) await mkdir(dirname(staged), { recursive: true });
      file = await open(staged, write.size === 0 ? 'w' : 'r+');
    } catch (error) {
      if (!hasErrorCode(error, 'ENOENT')) throw error;
      const message = `no resumable write for ${JSON.stringify(write.key)}: committed, aborted or never started`;
      throw new Error(message, { cause: error });
    }
    try {
      if ((await file.stat()).size < write.size) throw malformedWriteError(write.key);
      await file.truncate(write.size);
      return await use(file);
    } finally {
      await file.close();
    }
  }
}

async function withFile<T>(path: string, flags: string, use: (file: FileHandle) => Promise<T>): Promise<T> {
  const file = await open(path, flags);
  try {
    return await use(file);
  } finally {
    await file.close();
  }
}

/** The names in a directory, read as they are consumed; none when it does not exist. */
async function* namesIn(directory: string): AsyncGenerator<string> {
  try {
    for await (const entry of await opendir(directory)) yield entry.name;
  } catch (error) {
    if (!hasErrorCode(error, 'ENOENT')) throw error;
  }
}

/** The files anywhere under a directory; none when it has gone. */
async function filesUnder(directory: string): Promise<string[]> {
  try {
    const entries = await readdir(directory, { recursive: true, withFileTypes: true });
    return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT')) return [];
    throw error;
  }
}

/** When a file was created, or last written where the filesystem keeps no creation time; undefined once it has gone. */
async function creationTime(path: string): Promise<Date | undefined> {
  try {
    const info = await stat(path);
    return new Date(info.birthtimeMs > 0 ? info.birthtimeMs : info.mtimeMs);
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT')) return undefined;
    throw error;
  }
}
