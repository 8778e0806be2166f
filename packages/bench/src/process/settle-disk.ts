import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * Writes every dirty page to disk. A registry that acknowledges writes before they reach the disk
 * (Distribution never syncs) leaves them in the page cache, and the kernel's writeback would then
 * slow whichever run comes next; so every run starts with none, and pays only for its own.
 */
export async function settleDisk(): Promise<void> {
  await promisify(execFile)('sync');
}
