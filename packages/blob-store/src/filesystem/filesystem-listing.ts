import type { Dir } from 'node:fs';
import { lstat, opendir } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoredObject } from '../blob-store';
import { isValidKey } from '../keys';
import { hasErrorCode } from './file-io';

/**
 * The files under `objects` whose keys start with `prefix` (already validated), in byte order of
 * their keys. Each folder's names are read and sorted when the walk reaches it, and each file is
 * looked at only when its turn comes: memory holds the names in the folders on the current path
 * (some 60 bytes a name: tens of MB for a folder of a million objects), never the whole tree nor
 * any file's size and time ahead of it.
 */
export async function* listFiles(objects: string, prefix: string): AsyncGenerator<StoredObject> {
  // The walk starts in the folder the prefix names; the rest of it is the start of names there.
  const cut = prefix.lastIndexOf('/') + 1;
  yield* walk(objects, prefix.slice(0, cut), prefix.slice(cut));
}

async function* walk(objects: string, folder: string, start: string): AsyncGenerator<StoredObject> {
  for (const entry of await sortedEntries(join(objects, folder), start)) {
    if (entry.endsWith('/')) {
      yield* walk(objects, folder + entry, '');
      continue;
    }
    const key = folder + entry;
    const info = await fileInfo(join(objects, key));
    if (info !== undefined) yield { key, ...info };
  }
}

/**
 * The names in a folder that start with `start` and could be segments of a key, each folder's with
 * a slash after it: sorted so, they come in the order of the keys they begin, `a-b` before `a/x`
 * before `a0` as `-` < `/` < `0`. Keys are ASCII, so the default sort, by UTF-16 code unit, is byte
 * order. The whole folder is read before the walk goes on, so no handle stays open while the
 * caller holds the listing. Links, sockets and the like the store never makes, so never lists.
 */
async function sortedEntries(directory: string, start: string): Promise<string[]> {
  let names: Dir;
  try {
    names = await opendir(directory);
  } catch (error) {
    // Gone, pruned by a delete meanwhile, or a file where the prefix expects a folder.
    if (hasErrorCode(error, 'ENOENT', 'ENOTDIR')) return [];
    throw error;
  }
  const entries: string[] = [];
  for await (const entry of names) {
    if (!entry.name.startsWith(start) || !isValidKey(entry.name)) continue;
    if (entry.isDirectory()) entries.push(`${entry.name}/`);
    else if (entry.isFile()) entries.push(entry.name);
  }
  return entries.sort();
}

/** Size and time of a file, or undefined once it has gone. */
async function fileInfo(path: string): Promise<Omit<StoredObject, 'key'> | undefined> {
  try {
    const info = await lstat(path);
    // The time of the last byte written: a staged file keeps it when it is renamed into place. A
    // Date made here, not Node's own, which may come from another realm (as under jest).
    return info.isFile() ? { size: info.size, lastModified: new Date(info.mtimeMs) } : undefined;
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT', 'ENOTDIR')) return undefined;
    throw error;
  }
}
