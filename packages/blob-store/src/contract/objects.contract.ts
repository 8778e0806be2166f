import type { ByteRange } from '../blob-store';
import { InvalidKeyError, InvalidRangeError, ObjectNotFoundError } from '../errors';
import type { ContractContext, TestDoubleGaps } from './blob-store.contract';
import {
  bytes,
  digestOf,
  failingStream,
  MiB,
  readAll,
  readObject,
  streamOf,
  uniqueKey,
} from './test-data.contract';

const INVALID_KEYS = [
  '',
  '/a',
  'a/',
  'a//b',
  '.',
  '..',
  'a/../b',
  './a',
  'a/.',
  'a b',
  'a\\b',
  'é',
  'a?b',
  '%2e',
];

/** put, stat, read, delete and presignRead. */
export function describeObjectContract(context: ContractContext, gaps: TestDoubleGaps): void {
  describe('objects', () => {
    describe.each([
      ['an empty object', 0],
      ['a one-byte object', 1],
      ['an object of several MiB', 11 * MiB + 7],
    ])('%s', (_label, size) => {
      it.each([
        ['with its size declared', true],
        ['with its size unknown', false],
      ])('round-trips %s', async (_how, declared) => {
        const { store } = context;
        const key = uniqueKey('round-trip');
        const data = bytes(size);

        await expect(store.put(key, streamOf(data), declared ? size : undefined)).resolves.toEqual({ size });
        await expect(store.stat(key)).resolves.toEqual({ size });
        const read = await store.read(key);
        expect(read.size).toBe(size);
        expect(read.range).toBeUndefined();
        expect(digestOf(await readAll(read.stream))).toEqual(digestOf(data));

        await store.delete(key);
        await expect(store.stat(key)).resolves.toBeUndefined();
      });
    });

    it('replaces an object that is put again', async () => {
      const { store } = context;
      const key = uniqueKey('replace');
      const second = bytes(1000);
      await store.put(key, streamOf(bytes(3000)), 3000);
      await store.put(key, streamOf(second), second.length);
      expect(await readObject(store, key)).toEqual(second);
      await store.delete(key);
    });

    describe('byte ranges', () => {
      const size = 100 * 1024;
      const data = bytes(size);
      const key = uniqueKey('ranges');

      beforeEach(async () => {
        await context.store.put(key, streamOf(data), size);
      });
      afterEach(async () => {
        await context.store.delete(key);
      });

      async function expectRead(range: ByteRange, served: ByteRange): Promise<void> {
        const read = await context.store.read(key, range);
        expect(read.size).toBe(size);
        expect(read.range).toEqual(served);
        expect(await readAll(read.stream)).toEqual(data.subarray(served.start, served.end + 1));
      }

      (gaps.firstByteRange ? it.skip : it)('reads the first byte', async () => {
        await expectRead({ start: 0, end: 0 }, { start: 0, end: 0 });
      });

      it.each([
        ['the last byte', { start: size - 1, end: size - 1 }, { start: size - 1, end: size - 1 }],
        ['the middle', { start: 1000, end: 50_000 }, { start: 1000, end: 50_000 }],
        ['everything', { start: 0, end: size - 1 }, { start: 0, end: size - 1 }],
        ['to an end past the object', { start: 10, end: size + 100 }, { start: 10, end: size - 1 }],
        ['open-ended', { start: 99_000, end: Infinity }, { start: 99_000, end: size - 1 }],
      ])('reads %s', async (_label, range, served) => {
        await expectRead(range, served);
      });

      it.each([
        ['starts at the size', { start: size, end: size + 10 }],
        ['starts past the size', { start: size + 1, end: size + 10 }],
        ['ends before it starts', { start: 10, end: 9 }],
        ['starts before zero', { start: -1, end: 10 }],
        ['is not whole bytes', { start: 0.5, end: 10 }],
      ])('rejects a range that %s', async (_label, range) => {
        const rejection = context.store.read(key, range);
        await expect(rejection).rejects.toBeInstanceOf(InvalidRangeError);
        await expect(rejection).rejects.toMatchObject({ size });
      });
    });

    it('rejects any range of an empty object', async () => {
      const { store } = context;
      const key = uniqueKey('empty-range');
      await store.put(key, streamOf(Buffer.alloc(0)), 0);
      await expect(store.read(key, { start: 0, end: 0 })).rejects.toBeInstanceOf(InvalidRangeError);
      await store.delete(key);
    });

    it('reports missing objects', async () => {
      const { store } = context;
      const key = uniqueKey('missing');
      await expect(store.stat(key)).resolves.toBeUndefined();
      await expect(store.read(key)).rejects.toBeInstanceOf(ObjectNotFoundError);
      await expect(store.read(key, { start: 0, end: 10 })).rejects.toBeInstanceOf(ObjectNotFoundError);
      await expect(store.read(key, { start: 10, end: 0 })).rejects.toBeInstanceOf(ObjectNotFoundError);
    });

    it('does not take the folder of an object for an object', async () => {
      const { store } = context;
      const folder = uniqueKey('folder');
      await store.put(`${folder}/inside`, streamOf(bytes(10)), 10);
      await expect(store.stat(folder)).resolves.toBeUndefined();
      await expect(store.read(folder)).rejects.toBeInstanceOf(ObjectNotFoundError);
      await store.delete(folder);
      await expect(store.stat(`${folder}/inside`)).resolves.toEqual({ size: 10 });
      await store.delete(`${folder}/inside`);
    });

    it('deletes idempotently', async () => {
      const { store } = context;
      const key = uniqueKey('delete');
      await store.put(key, streamOf(bytes(10)), 10);
      await store.delete(key);
      await store.delete(key);
      await expect(store.stat(key)).resolves.toBeUndefined();
      await expect(store.delete(uniqueKey('never-stored'))).resolves.toBeUndefined();
    });

    it.each(INVALID_KEYS)('rejects the invalid key %j everywhere', async (key) => {
      const { store } = context;
      const write = { key, size: 0, adapter: {} };
      await expect(store.put(key, streamOf(bytes(1)), 1)).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(store.stat(key)).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(store.read(key)).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(store.delete(key)).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(store.presignRead(key, 60)).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(store.startWrite(key)).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(store.commitWrite(write)).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(store.abortWrite(write)).rejects.toBeInstanceOf(InvalidKeyError);
    });

    it('accepts keys of every allowed character', async () => {
      const { store } = context;
      const key = `${uniqueKey('charset')}/AZ-az_09.x/..hidden/...`;
      await store.put(key, streamOf(bytes(5)), 5);
      await expect(store.stat(key)).resolves.toEqual({ size: 5 });
      await store.delete(key);
    });

    describe('atomic puts', () => {
      const data = bytes(11 * MiB);

      it.each([
        ['early, size declared', 1000, true],
        ['early, size unknown', 1000, false],
        ['after several MiB, size declared', 7 * MiB, true],
        ['after several MiB, size unknown', 7 * MiB, false],
      ])('leave nothing when the body fails %s', async (_label, failAfter, declared) => {
        const { store } = context;
        const key = uniqueKey('failed-put');
        const put = store.put(key, failingStream(data, failAfter), declared ? data.length : undefined);
        await expect(put).rejects.toThrow('the client went away');
        await expect(store.stat(key)).resolves.toBeUndefined();
      });

      it('keep the old object when its replacement fails', async () => {
        const { store } = context;
        const key = uniqueKey('failed-replace');
        const old = bytes(2000);
        await store.put(key, streamOf(old), old.length);
        await expect(store.put(key, failingStream(data, 6 * MiB))).rejects.toThrow();
        expect(await readObject(store, key)).toEqual(old);
        await store.delete(key);
      });

      it.each([
        ['shorter', 999],
        ['longer', 1001],
      ])('reject a body %s than its declared size', async (_label, actual) => {
        const { store } = context;
        const key = uniqueKey('wrong-size');
        await expect(store.put(key, streamOf(bytes(actual)), 1000)).rejects.toThrow();
        await expect(store.stat(key)).resolves.toBeUndefined();
      });
    });

    it('presigns reads that fetch the object, when it can', async () => {
      const { store } = context;
      const key = uniqueKey('presign');
      const data = bytes(300 * 1024);
      await store.put(key, streamOf(data), data.length);
      const url = await store.presignRead(key, 60);
      if (url !== undefined) {
        const response = await fetch(url);
        expect(response.status).toBe(200);
        expect(digestOf(Buffer.from(await response.arrayBuffer()))).toEqual(digestOf(data));
      }
      await store.delete(key);
    });
  });
}
