import { readdir, stat } from 'node:fs/promises';
import { now } from '../util/units';
import type { Backlog } from './backlog';
import { blobRowsLeft, reviewsQueued, withDatabase } from './gc-database';

// A stat is one system call: polled this often it costs nothing and times the first delete closely.
const STAT_POLL_MS = 2;
// The database is asked less often while objects are still being deleted.
const QUERY_EVERY = 25;

/** The object folder's modification time, or undefined once it is gone (the store prunes it when empty). */
async function folderMtime(folder: string): Promise<number | undefined> {
  try {
    return (await stat(folder)).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * When the first object of the backlog was deleted, within a few ms: the object folder's
 * modification time moves on the first unlink (nothing else writes to it meanwhile).
 */
export async function firstObjectDelete(
  backlog: Backlog,
  stagedMtimeMs: number,
  timeoutMs: number,
): Promise<number> {
  const deadline = now() + timeoutMs;
  for (;;) {
    if ((await folderMtime(backlog.folder)) !== stagedMtimeMs) return now();
    if (now() > deadline) throw new Error(`GC deleted no object of the backlog within ${timeoutMs / 1000} s`);
    await sleep(STAT_POLL_MS);
  }
}

/**
 * Waits until no review is queued and no object of the backlog is left; answers when that was
 * seen. Fails when no object was deleted for `stallMs`.
 */
export async function untilReclaimed(
  backlog: Backlog,
  databaseUrl: string,
  stallMs: number,
): Promise<number> {
  return withDatabase(databaseUrl, async (client) => {
    let mtime = await folderMtime(backlog.folder);
    let lastProgress = now();
    for (let poll = 0; ; poll++) {
      const current = await folderMtime(backlog.folder);
      if (current !== mtime) {
        mtime = current;
        lastProgress = now();
      }
      const gone = current === undefined;
      if ((gone || poll % QUERY_EVERY === 0) && !(await reviewsQueued(client))) {
        // Objects go after their rows' commit, so the queue empties a batch before the folder does.
        if (gone || (await objectsLeft(backlog)) === 0) return now();
      }
      if (now() - lastProgress > stallMs) {
        const rows = await blobRowsLeft(client, backlog.digests);
        throw new Error(
          `GC deleted no object for ${stallMs / 1000} s: ${rows} of ${backlog.digests.length} blob rows and ` +
            `${await objectsLeft(backlog)} objects left`,
        );
      }
      await sleep(STAT_POLL_MS);
    }
  });
}

/** Objects of the backlog still in its folder. */
async function objectsLeft(backlog: Backlog): Promise<number> {
  const present = await readdir(backlog.folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const names = new Set(backlog.names);
  return present.filter((name) => names.has(name)).length;
}

/** Fails unless every row, review and object of the backlog is gone. */
export async function verifyReclaimed(backlog: Backlog, databaseUrl: string): Promise<void> {
  const [rows, queued] = await withDatabase(databaseUrl, async (client): Promise<[number, boolean]> => [
    await blobRowsLeft(client, backlog.digests),
    await reviewsQueued(client),
  ]);
  const objects = await objectsLeft(backlog);
  if (rows > 0 || queued || objects > 0)
    throw new Error(
      `after the reclaim, ${rows} blob rows and ${objects} objects of the backlog are left, and ${queued ? 'some' : 'no'} reviews`,
    );
}
