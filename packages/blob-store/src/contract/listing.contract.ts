import type { BlobStore, ResumableWrite, StoredObject } from '../blob-store';
import { InvalidKeyError } from '../errors';
import type { ContractContext } from './blob-store.contract';
import { bytes, CLOCK_PRECISION_MS, heldStream, MiB, saved, streamOf, uniqueKey } from './test-data.contract';

// As invalid keys are, except that the empty prefix and a key and a slash are prefixes.
const INVALID_PREFIXES = [
  '/',
  '/a',
  'a//',
  'a//b',
  '.',
  '..',
  'a/..',
  'a/../b',
  './a',
  'a/.',
  'a b',
  'a\\b',
  'é',
  'a?b',
  '%2e',
];

async function listed(store: BlobStore, prefix: string): Promise<StoredObject[]> {
  const found: StoredObject[] = [];
  for await (const object of store.listObjects(prefix)) found.push(object);
  return found;
}

async function keysUnder(store: BlobStore, prefix: string): Promise<string[]> {
  return (await listed(store, prefix)).map(({ key }) => key);
}

async function putAll(store: BlobStore, keys: string[]): Promise<void> {
  await Promise.all(keys.map((key) => store.put(key, streamOf(bytes(1)), 1)));
}

async function deleteAll(store: BlobStore, keys: string[]): Promise<void> {
  await Promise.all(keys.map((key) => store.delete(key)));
}

/** Starts a write and appends each piece, without committing it. */
async function writePieces(store: BlobStore, key: string, sizes: number[]): Promise<ResumableWrite> {
  let write = saved(await store.startWrite(key));
  for (const size of sizes) write = saved(await store.append(write, streamOf(bytes(size)), size));
  return write;
}

const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** listObjects, and delete as garbage collection uses it. */
export function describeListingContract(context: ContractContext): void {
  describe('object listings', () => {
    it('list committed objects with their sizes and times, to any process', async () => {
      const { store } = context;
      expect(await listed(store, '')).toEqual([]);
      const before = Date.now();
      const folder = uniqueKey('listed');
      const sizes = new Map([
        [`${folder}/empty`, 0],
        [`${folder}/byte`, 1],
        [`${folder}/some`, 3000],
        // Keys that name the adapters' own folders are keys like any other.
        ['objects/x', 2],
        ['staging/x', 2],
      ]);
      await Promise.all([...sizes].map(([key, size]) => store.put(key, streamOf(bytes(size)), size)));
      // Written in parts: S3 may date it from the start of its upload, which is still after `before`.
      const written = await writePieces(store, `${folder}/written`, [6 * MiB, 1]);
      await store.commitWrite(written);
      sizes.set(written.key, written.size);
      const after = Date.now();

      const found = await listed(store, '');
      const expected = [...sizes].sort(([a], [b]) => byteOrder(a, b)).map(([key, size]) => ({ key, size }));
      expect(found.map(({ key, size }) => ({ key, size }))).toEqual(expected);
      for (const { lastModified } of found) {
        expect(lastModified).toBeInstanceOf(Date);
        expect(lastModified.getTime()).toBeGreaterThanOrEqual(before - CLOCK_PRECISION_MS);
        expect(lastModified.getTime()).toBeLessThanOrEqual(after + CLOCK_PRECISION_MS);
      }
      expect(await listed(context.peer(), '')).toEqual(found);
      expect(await listed(store, `${folder}/`)).toEqual(found.filter(({ key }) => key.startsWith(folder)));

      await deleteAll(store, [...sizes.keys()]);
    });

    it('leave out puts still streaming in and writes not committed', async () => {
      const { store } = context;
      const folder = uniqueKey('uncommitted');
      const writes = await Promise.all(
        [[], [1], [6 * MiB, 1]].map((sizes, i) => writePieces(store, `${folder}/write-${i}`, sizes)),
      );
      // Each put has a staged file, a request or a multipart upload under way.
      const data = bytes(7 * MiB);
      const [sized, unsized] = [heldStream(data, 6 * MiB), heldStream(data, 6 * MiB)];
      const puts = [
        store.put(`${folder}/put-sized`, sized.stream, data.length),
        store.put(`${folder}/put-unsized`, unsized.stream),
      ];
      await Promise.all([sized.held, unsized.held]);
      // Time for the bytes taken to reach the storage.
      await sleep(100);
      const aborted = await writePieces(store, `${folder}/aborted`, [6 * MiB, 1]);
      await store.abortWrite(aborted);

      expect(await listed(store, '')).toEqual([]);
      expect(await listed(store, folder)).toEqual([]);

      sized.release();
      unsized.release();
      await Promise.all(puts);
      await Promise.all(writes.map((write) => store.commitWrite(write)));
      const committed = [`${folder}/put-sized`, `${folder}/put-unsized`, ...writes.map(({ key }) => key)];
      expect(await keysUnder(store, '')).toEqual(committed.sort(byteOrder));
      await deleteAll(store, committed);
    });

    it('filter by prefix, one that ends inside a segment included', async () => {
      const { store } = context;
      const base = uniqueKey('prefix');
      const keys = ['a', 'ab', 'abc/d', 'abd', 'ac', 'b/ab'].map((name) => `${base}/${name}`);
      const beside = `${base}x/ab`;
      await putAll(store, [...keys, beside]);

      expect(await keysUnder(store, `${base}/ab`)).toEqual([`${base}/ab`, `${base}/abc/d`, `${base}/abd`]);
      expect(await keysUnder(store, `${base}/abc`)).toEqual([`${base}/abc/d`]);
      expect(await keysUnder(store, `${base}/abc/`)).toEqual([`${base}/abc/d`]);
      expect(await keysUnder(store, `${base}/abc/d`)).toEqual([`${base}/abc/d`]);
      expect(await keysUnder(store, `${base}/a`)).toEqual(keys.slice(0, 5));
      expect(await keysUnder(store, `${base}/`)).toEqual(keys);
      expect(await keysUnder(store, base)).toEqual([...keys, beside]);
      // An object is no folder, and a folder holds nothing that does not start with its name.
      expect(await keysUnder(store, `${base}/a/`)).toEqual([]);
      expect(await keysUnder(store, `${base}/b/ab/`)).toEqual([]);
      expect(await keysUnder(store, `${base}/b/b`)).toEqual([]);
      expect(await keysUnder(store, `${base}/z`)).toEqual([]);

      await deleteAll(store, [...keys, beside]);
    });

    it('list keys in byte order, across folders', async () => {
      const { store } = context;
      const base = uniqueKey('order');
      // `-` and `.` sort before `/`, so `a-b` and `a.b` come before the objects in folder `a`.
      const names = [
        'ab',
        'a/x',
        'a/b/c',
        'a/b.',
        'a/b-',
        'a/-',
        'a0',
        'a_',
        'aa',
        'a.b',
        'a-b',
        'Z/z',
        'A',
        '_',
        '9',
        '-',
      ];
      const keys = names.map((name) => `${base}/${name}`);
      for (const key of keys) await store.put(key, streamOf(bytes(1)), 1);

      expect(await keysUnder(store, `${base}/`)).toEqual([...keys].sort(byteOrder));
      expect(await keysUnder(store, `${base}/a`)).toEqual(
        keys.filter((key) => key.startsWith(`${base}/a`)).sort(byteOrder),
      );

      await deleteAll(store, keys);
    });

    it('page through long listings as they are consumed, objects going meanwhile', async () => {
      const { store } = context;
      const base = uniqueKey('pages');
      const keys = Array.from({ length: 9 }, (_, i) => `${base}/${i % 3}/${i}`).sort(byteOrder);
      await putAll(store, keys);

      expect(await keysUnder(store, '')).toEqual(keys);
      const seen: string[] = [];
      for await (const { key } of store.listObjects(`${base}/`)) {
        seen.push(key);
        if (seen.length === 3) break;
      }
      expect(seen).toEqual(keys.slice(0, 3));

      seen.length = 0;
      const [gone, ...kept] = keys.slice(5);
      for await (const { key } of store.listObjects(base)) {
        seen.push(key);
        if (seen.length === 3 && gone !== undefined) await store.delete(gone);
      }
      // An object deleted during a listing may or may not be in it; every other one is.
      expect(seen.filter((key) => key !== gone)).toEqual([...keys.slice(0, 5), ...kept]);

      await deleteAll(store, keys);
    });

    it('forget deleted objects, and deleting one that is missing is no error', async () => {
      const { store } = context;
      const base = uniqueKey('deleted');
      const [first, second, third] = [`${base}/1`, `${base}/2`, `${base}/3`];
      await putAll(store, [first, second, third]);

      await store.delete(second);
      expect(await keysUnder(store, `${base}/`)).toEqual([first, third]);
      await expect(store.delete(second)).resolves.toBeUndefined();
      await expect(store.delete(`${first}/below`)).resolves.toBeUndefined();
      await expect(store.delete(`${base}/never/stored`)).resolves.toBeUndefined();
      expect(await keysUnder(store, `${base}/`)).toEqual([first, third]);

      await deleteAll(store, [first, third]);
      expect(await listed(store, '')).toEqual([]);
    });

    it.each(INVALID_PREFIXES)('refuse the invalid prefix %j', async (prefix) => {
      const listing = listed(context.store, prefix);
      await expect(listing).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(listing).rejects.toMatchObject({ key: prefix });
    });
  });
}
