import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeBlobStoreContract } from '../contract/blob-store.contract';
import { bytes, streamOf } from '../contract/test-data.contract';
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

// What else may lie under objects/, which a listing must not take for the store's objects.
describe('filesystem object listings', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'berth-blob-store-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('give only files the store could name', async () => {
    const store = new FilesystemBlobStore({ root });
    await store.put('folder/a', streamOf(bytes(3)), 3);
    const objects = join(root, 'objects');
    await writeFile(join(objects, 'not a key'), 'x');
    await mkdir(join(objects, 'bad folder'));
    await writeFile(join(objects, 'bad folder', 'b'), 'x');
    await symlink(join(objects, 'folder', 'a'), join(objects, 'folder', 'link'));
    await symlink(join(objects, 'folder'), join(objects, 'linked-folder'));

    const keys: string[] = [];
    for await (const { key, size } of store.listObjects('')) keys.push(`${key} ${size}`);
    expect(keys).toEqual(['folder/a 3']);
  });
});
