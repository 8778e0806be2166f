import { mkdir, open, rename, rmdir, type FileHandle } from 'node:fs/promises';
import { dirname, sep } from 'node:path';

// A concurrent delete may prune the target's directory between mkdir and rename; a few tries settle it.
const PUBLISH_ATTEMPTS = 3;

/** True when `error` is a Node system error with one of `codes`. */
export function hasErrorCode(error: unknown, ...codes: string[]): boolean {
  // Not `instanceof Error`: errors from Node's core may come from another realm (as under jest).
  return (
    typeof error === 'object' && error !== null && codes.includes(String((error as { code?: unknown }).code))
  );
}

// Socket reads arrive in pieces of tens of KiB; writing each through the thread pool and waiting
// before reading on leaves the disk idle between them. Batches of this size, written while the
// next batch is gathered, keep both busy with at most two batches in memory.
const WRITE_BATCH_BYTES = 1024 * 1024;

/** Writes the buffers in order from `position` on: gathered by the kernel, never copied into one. */
async function writeAll(file: FileHandle, buffers: Buffer[], position: number): Promise<void> {
  let pending = buffers;
  let at = position;
  while (pending.length > 0) {
    const { bytesWritten } = await file.writev(pending, at);
    at += bytesWritten;
    pending = after(pending, bytesWritten);
  }
}

/** What is left of `buffers` once their first `bytes` are written (a write may stop short). */
function after(buffers: Buffer[], bytes: number): Buffer[] {
  let skipped = 0;
  for (let i = 0; i < buffers.length; i++) {
    const buffer = buffers[i] as Buffer;
    if (skipped + buffer.length > bytes) return [buffer.subarray(bytes - skipped), ...buffers.slice(i + 1)];
    skipped += buffer.length;
  }
  return [];
}

// Bytes written are flushed by the sync at commit, all at once, unless the kernel's writeback gets
// to them first, which on a machine with plenty of memory it does only once they are 30 s old.
// Starting a flush every this many bytes while the upload goes on overlaps the disk's work with
// the network's, so little is left for the sync at commit.
const WRITE_BEHIND_BYTES = 32 * 1024 * 1024;

/**
 * Starts flushing files being written to disk without anyone waiting for it: through a
 * descriptor of its own, so closing the writer's does not wait, and one file at a time per
 * process, since a flush holds one of libuv's few threads for as long as it takes.
 */
export class WriteBehind {
  #flushing = false;

  /** Told that bytes `start` to `end` of `path` were written. */
  written(path: string, start: number, end: number): void {
    if (this.#flushing || Math.floor(start / WRITE_BEHIND_BYTES) === Math.floor(end / WRITE_BEHIND_BYTES))
      return;
    this.#flushing = true;
    void flush(path).finally(() => {
      this.#flushing = false;
    });
  }
}

async function flush(path: string): Promise<void> {
  try {
    const handle = await open(path, 'r');
    try {
      await handle.datasync();
    } finally {
      await handle.close();
    }
  } catch {
    // The file moved on (committed or discarded); the sync its writer does at commit is the one that counts.
  }
}

/**
 * Writes chunks from `position` on, as they arrive, and returns how many bytes were written;
 * `written` hears of each batch once it is in the file.
 */
export async function writeChunks(
  file: FileHandle,
  chunks: AsyncIterable<Buffer>,
  position: number,
  written: (start: number, end: number) => void = () => undefined,
): Promise<number> {
  let total = 0;
  let batch: Buffer[] = [];
  let batchBytes = 0;
  let inFlight: Promise<void> | undefined;
  try {
    for await (const chunk of chunks) {
      batch.push(chunk);
      batchBytes += chunk.length;
      if (batchBytes < WRITE_BATCH_BYTES) continue;
      await inFlight;
      const [start, end] = [position + total, position + total + batchBytes];
      inFlight = writeAll(file, batch, start).then(() => written(start, end));
      // Awaited before the next batch or at the end; this only keeps it from counting as unhandled meanwhile.
      inFlight.catch(() => undefined);
      total += batchBytes;
      batch = [];
      batchBytes = 0;
    }
    await inFlight;
  } catch (error) {
    // Never leave a write landing after the caller has moved on (it may truncate and retry).
    await inFlight?.catch(() => undefined);
    throw error;
  }
  if (batchBytes > 0) {
    await writeAll(file, batch, position + total);
    written(position + total, position + total + batchBytes);
  }
  return total + batchBytes;
}

/** Moves a complete, synced file to `target` in one step and makes the move survive a crash. */
export async function publish(file: string, target: string): Promise<void> {
  const directory = dirname(target);
  for (let attempt = 1; ; attempt++) {
    await mkdir(directory, { recursive: true });
    try {
      await rename(file, target);
      break;
    } catch (error) {
      if (!hasErrorCode(error, 'ENOENT') || attempt === PUBLISH_ATTEMPTS) throw error;
    }
  }
  await syncDirectory(directory);
}

/** Flushes a directory's entries, so a rename into it is durable. */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Removes `directory` and then its parents while they are empty, stopping below `top`. */
export async function pruneEmptyDirectories(directory: string, top: string): Promise<void> {
  for (let current = directory; current.startsWith(top + sep); current = dirname(current)) {
    try {
      await rmdir(current);
    } catch {
      return;
    }
  }
}
