import type { BlobStore, PendingWrite, ResumableWrite } from '../blob-store';
import type { ContractContext } from './blob-store.contract';
import {
  bytes,
  CLOCK_PRECISION_MS,
  digestOf,
  MiB,
  readObject,
  saved,
  streamOf,
  uniqueKey,
} from './test-data.contract';

/** Starts a write and appends each piece; the state is then dropped, as by a client that walked away. */
async function writeAndWalkAway(store: BlobStore, key: string, sizes: number[]): Promise<ResumableWrite> {
  let write = saved(await store.startWrite(key));
  for (const size of sizes) write = saved(await store.append(write, streamOf(bytes(size)), size));
  return write;
}

async function listed(store: BlobStore, startedBefore: Date): Promise<PendingWrite[]> {
  const found: PendingWrite[] = [];
  for await (const write of store.listWrites(startedBefore)) found.push(write);
  return found;
}

const keysOf = (writes: PendingWrite[]): string[] => writes.map((write) => write.key).sort();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** listWrites and PendingWrite.discard. */
export function describePendingWriteContract(context: ContractContext): void {
  describe('pending writes', () => {
    it('finds writes left unfinished, of any size, and discards everything they stored', async () => {
      const { store } = context;
      expect(await listed(store, new Date(Date.now() + CLOCK_PRECISION_MS))).toEqual([]);
      const before = Date.now() - CLOCK_PRECISION_MS;
      const empty = await writeAndWalkAway(store, uniqueKey('pending-empty'), []);
      const withBytes = await Promise.all(
        [[1], [3 * MiB], [5 * MiB], [6 * MiB, 1 * MiB], [2 * MiB, 2 * MiB, 2 * MiB]].map((sizes) =>
          writeAndWalkAway(store, uniqueKey('pending'), sizes),
        ),
      );
      const charset = await writeAndWalkAway(store, `${uniqueKey('pending')}/AZ-az_09.x/..hidden/...`, [10]);
      // The state of the second append is lost: the upload it started is known to no saved state.
      const lost = await writeAndWalkAway(store, uniqueKey('pending-lost'), [2 * MiB]);
      await store.append(lost, streamOf(bytes(6 * MiB)), 6 * MiB);
      await store.append(lost, streamOf(bytes(7 * MiB)), 7 * MiB);
      const stored = [...withBytes, charset, lost].map((write) => write.key);

      const pending = await listed(store, new Date(Date.now() + CLOCK_PRECISION_MS));
      // A write that holds no bytes may have stored nothing to find.
      expect(keysOf(pending.filter((write) => write.key !== empty.key))).toEqual(stored.sort());
      expect(pending.filter((write) => write.key === empty.key).length).toBeLessThanOrEqual(1);
      for (const { startedAt } of pending) {
        expect(startedAt).toBeInstanceOf(Date);
        expect(startedAt.getTime()).toBeGreaterThanOrEqual(before);
        expect(startedAt.getTime()).toBeLessThanOrEqual(Date.now());
      }

      await Promise.all(pending.map((write) => write.discard()));
      await Promise.all(pending.map((write) => write.discard()));
      expect(await listed(store, new Date(Date.now() + CLOCK_PRECISION_MS))).toEqual([]);
      for (const key of [empty.key, ...stored]) await expect(store.stat(key)).resolves.toBeUndefined();
    });

    it('leaves out writes committed, aborted or started after the time given', async () => {
      const { store } = context;
      const committed = await Promise.all(
        [[1 * MiB], [6 * MiB, 1], []].map(async (sizes) => {
          const write = await writeAndWalkAway(store, uniqueKey('committed'), sizes);
          await store.commitWrite(write);
          return write.key;
        }),
      );
      const aborted = await writeAndWalkAway(store, uniqueKey('aborted'), [6 * MiB, 1]);
      await store.abortWrite(aborted);
      const put = uniqueKey('put');
      await store.put(put, streamOf(bytes(6 * MiB)), 6 * MiB);

      const cutoff = new Date();
      await sleep(CLOCK_PRECISION_MS);
      const later = await Promise.all(
        [[1 * MiB], [6 * MiB, 1]].map((sizes) => writeAndWalkAway(store, uniqueKey('later'), sizes)),
      );

      expect(await listed(store, cutoff)).toEqual([]);
      const now = await listed(store, new Date(Date.now() + CLOCK_PRECISION_MS));
      expect(keysOf(now)).toEqual(later.map((write) => write.key).sort());

      await Promise.all(later.map((write) => store.abortWrite(write)));
      await Promise.all([...committed, put].map((key) => store.delete(key)));
    });

    it.each([
      ['a tail', [1 * MiB]],
      ['parts and a tail', [6 * MiB, 1 * MiB]],
      ['parts', [5 * MiB]],
    ])('leaves intact a write of %s committed after it was listed', async (_label, sizes) => {
      const { store } = context;
      const pieces = sizes.map((size) => bytes(size));
      let write = saved(await store.startWrite(uniqueKey('committed-meanwhile')));
      for (const piece of pieces) write = saved(await store.append(write, streamOf(piece), piece.length));

      const [pending, ...others] = await listed(context.peer(), new Date(Date.now() + CLOCK_PRECISION_MS));
      expect(others).toEqual([]);
      expect(pending?.key).toBe(write.key);
      await store.commitWrite(write);
      await pending?.discard();
      await pending?.discard();

      expect(digestOf(await readObject(store, write.key))).toEqual(digestOf(Buffer.concat(pieces)));
      expect(await listed(store, new Date(Date.now() + CLOCK_PRECISION_MS))).toEqual([]);
      await store.delete(write.key);
    });
  });
}
