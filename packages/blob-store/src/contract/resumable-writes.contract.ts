import type { BlobStore, ResumableWrite } from '../blob-store';
import type { ContractContext } from './blob-store.contract';
import {
  bytes,
  digestOf,
  failingStream,
  MiB,
  readObject,
  saved,
  streamOf,
  uniqueKey,
} from './test-data.contract';

type Lengths = 'declared' | 'unknown';

/**
 * Appends each piece, passing the state through JSON between appends as a caller that keeps it
 * elsewhere does, and checks that what is stored at the key does not change before commit.
 */
async function appendAll(
  store: BlobStore,
  start: ResumableWrite,
  pieces: Buffer[],
  lengths: Lengths,
): Promise<ResumableWrite> {
  const before = await store.stat(start.key);
  let write = start;
  for (const piece of pieces) {
    const size = write.size + piece.length;
    write = saved(
      await store.append(write, streamOf(piece), lengths === 'declared' ? piece.length : undefined),
    );
    expect(write.size).toBe(size);
    expect(write.key).toBe(start.key);
    await expect(store.stat(write.key)).resolves.toEqual(before);
  }
  return write;
}

/** Commits a write and checks the object holds exactly `expected`, then deletes it. */
async function commitAndCheck(store: BlobStore, write: ResumableWrite, expected: Buffer): Promise<void> {
  await expect(store.commitWrite(write)).resolves.toEqual({ size: expected.length });
  await expect(store.stat(write.key)).resolves.toEqual({ size: expected.length });
  expect(digestOf(await readObject(store, write.key))).toEqual(digestOf(expected));
  await store.delete(write.key);
}

/** startWrite, append, commitWrite and abortWrite. */
export function describeResumableWriteContract(context: ContractContext): void {
  describe('resumable writes', () => {
    describe.each<Lengths>(['declared', 'unknown'])('with %s lengths', (lengths) => {
      it.each([
        ['of assorted sizes', [0, 1, 3 * MiB, 5 * MiB, 6 * MiB, 1, 0]],
        ['that end on a 5 MiB boundary', [5 * MiB, 5 * MiB]],
        ['that are all small but add up past 5 MiB', Array.from({ length: 23 }, (_, i) => 256 * 1024 - i)],
        ['that each span several parts', [4 * MiB, 21 * MiB + 3]],
        ['of one byte', [1]],
        ['of nothing at all', []],
      ])('commit appends %s', async (_label, sizes) => {
        const { store } = context;
        const pieces = sizes.map((size) => bytes(size));
        const write = await appendAll(
          store,
          saved(await store.startWrite(uniqueKey('appends'))),
          pieces,
          lengths,
        );
        await commitAndCheck(store, write, Buffer.concat(pieces));
      });

      it.each([
        ['early', 100],
        ['after a part of data', 7 * MiB],
        ['with two parts sent', 11 * MiB],
      ])('overwrite what a failed append left, the body failing %s', async (_label, failAfter) => {
        const { store } = context;
        const first = bytes(2 * MiB);
        const second = bytes(12 * MiB);
        const declared = lengths === 'declared' ? second.length : undefined;
        const write = await appendAll(store, await store.startWrite(uniqueKey('retry')), [first], lengths);

        await expect(store.append(write, failingStream(second, failAfter), declared)).rejects.toThrow();
        await expect(store.stat(write.key)).resolves.toBeUndefined();
        const retried = await appendAll(store, saved(write), [second], lengths);
        await commitAndCheck(store, retried, Buffer.concat([first, second]));
      });
    });

    it('commits the state passed to a failed append without the failed bytes', async () => {
      const { store } = context;
      const first = bytes(3 * MiB);
      const write = await appendAll(
        store,
        await store.startWrite(uniqueKey('commit-after-failure')),
        [first],
        'declared',
      );
      await expect(store.append(write, failingStream(bytes(9 * MiB), 8 * MiB), 9 * MiB)).rejects.toThrow();
      await commitAndCheck(store, write, first);
    });

    it('rejects an append whose body is shorter than declared, keeping the state valid', async () => {
      const { store } = context;
      const data = bytes(6 * MiB);
      const write = await store.startWrite(uniqueKey('short-body'));
      await expect(store.append(write, streamOf(data.subarray(0, 4 * MiB)), data.length)).rejects.toThrow();
      await commitAndCheck(store, await appendAll(store, write, [data], 'declared'), data);
    });

    it('continues a write in a second store from its saved state', async () => {
      const { store } = context;
      const other = context.peer();
      const pieces = [bytes(3 * MiB), bytes(4 * MiB), bytes(2 * MiB + 3), bytes(6 * MiB)];
      let write = saved(await store.startWrite(uniqueKey('peer')));
      for (const [index, piece] of pieces.entries()) {
        write = await appendAll(index % 2 === 0 ? other : store, write, [piece], 'declared');
      }
      await expect(other.commitWrite(saved(write))).resolves.toEqual({ size: write.size });
      expect(digestOf(await readObject(store, write.key))).toEqual(digestOf(Buffer.concat(pieces)));
      await store.delete(write.key);
    });

    it('resumes from the state before an append whose new state was lost', async () => {
      const { store } = context;
      const first = bytes(2 * MiB);
      const lost = bytes(1 * MiB);
      const again = bytes(4 * MiB);
      const started = await store.startWrite(uniqueKey('lost-state'));
      const kept = await appendAll(store, started, [first], 'declared');
      await appendAll(store, kept, [lost], 'declared');
      const resumed = await appendAll(store, kept, [again], 'declared');
      await commitAndCheck(store, resumed, Buffer.concat([first, again]));
    });

    it('replaces an existing object on commit', async () => {
      const { store } = context;
      const key = uniqueKey('commit-replace');
      const data = bytes(1234);
      await store.put(key, streamOf(bytes(99)), 99);
      await commitAndCheck(
        store,
        await appendAll(store, await store.startWrite(key), [data], 'declared'),
        data,
      );
    });

    it.each([
      ['nothing', []],
      ['a tail', [1 * MiB]],
      ['parts and a tail', [6 * MiB, 1 * MiB]],
    ])('aborts a write holding %s, idempotently', async (_label, sizes) => {
      const { store } = context;
      const pieces = sizes.map((size) => bytes(size));
      const write = await appendAll(store, await store.startWrite(uniqueKey('abort')), pieces, 'declared');
      await store.abortWrite(write);
      await store.abortWrite(write);
      await expect(store.stat(write.key)).resolves.toBeUndefined();
    });

    it('aborts a write after a failed append, leaving nothing of either', async () => {
      const { store } = context;
      const write = await appendAll(
        store,
        await store.startWrite(uniqueKey('abort-failed')),
        [bytes(MiB)],
        'unknown',
      );
      await expect(store.append(write, failingStream(bytes(14 * MiB), 13 * MiB))).rejects.toThrow();
      await store.abortWrite(saved(write));
      await expect(store.stat(write.key)).resolves.toBeUndefined();
    });
  });
}
