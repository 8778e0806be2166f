import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { settleDisk } from '../process/settle-disk';
import { timed } from '../util/units';

/**
 * The reference for a reclaim: as many files of the same size in the same folder (the store's
 * objects/blobs, on the same disk), deleted by fs.unlink, the call Berth's store makes, one after
 * the other from as many loops as Berth has processes collecting; without the database. What is
 * left of the ratio is what the review queues and PostgreSQL cost per object. Answers objects/s.
 */
export async function unlinkReference(
  folder: string,
  count: number,
  size: number,
  loops: number,
): Promise<number> {
  mkdirSync(folder, { recursive: true });
  const bytes = Buffer.alloc(size, 1);
  const paths = Array.from({ length: count }, () => join(folder, randomUUID()));
  for (const path of paths) writeFileSync(path, bytes);
  await settleDisk();
  let next = 0;
  const loop = async (): Promise<void> => {
    while (next < paths.length) await unlink(paths[next++] as string);
  };
  const { ms } = await timed(() => Promise.all(Array.from({ length: loops }, loop)));
  return count / (ms / 1000);
}
