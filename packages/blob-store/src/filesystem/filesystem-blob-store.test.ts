import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeBlobStoreContract } from '../contract/blob-store.contract';
import { FilesystemBlobStore } from './filesystem-blob-store';

describeBlobStoreContract('filesystem', async () => {
  const root = await mkdtemp(join(tmpdir(), 'berth-blob-store-'));
  const open = (): FilesystemBlobStore => new FilesystemBlobStore({ root });
  const store = open();
  return {
    store,
    openPeer: open,
    // Files only: emptied folders may stay behind.
    listStored: async () =>
      (await readdir(root, { recursive: true, withFileTypes: true }))
        .filter((entry) => !entry.isDirectory())
        .map((entry) => join(entry.parentPath, entry.name)),
    async cleanup() {
      await store.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});
