import { setTimeout as sleep } from 'node:timers/promises';
import { digestOf } from '../contract/metadata-store.contract';
import { usePostgresTestStore } from '../contract/test-databases.contract';
import type { SqlDatabase } from '../db/sql-database';
import type { SqlMetadataStore } from '../store/sql-metadata-store';

// Order across concurrent transactions needs a server with several connections: PGlite runs one
// transaction at a time, so there nothing can commit out of order.
describe('event order on PostgreSQL, with transactions in flight', () => {
  const opened = usePostgresTestStore();
  let db: SqlDatabase;
  let store: SqlMetadataStore;

  beforeAll(() => {
    ({ db, store } = opened());
  });

  const blob = (label: string) => ({ digest: digestOf(label), size: 1, storageKey: `k/${label}` });

  /** Holds a transaction that has written an event for `repository` until `release` is called. */
  async function holdWriter(repository: string): Promise<{ release(): void; done: Promise<void> }> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const holding = new Promise<void>((resolve) => (locked = resolve));
    const done = db.transaction(async (tx) => {
      await tx.query('SELECT berth_lock_repository($1, $2, true)', [repository, 'holder']);
      locked();
      await released;
    });
    await holding;
    return { release, done };
  }

  it('reads nothing committed after a transaction still in flight, then all of it in order', async () => {
    await store.events.register('reader', 'oldest');
    const writer = await holdWriter('slow');
    await store.addBlob('fast', blob('fast layer'));
    // The later transaction has committed, but an event of the one in flight could still come before it.
    expect(await store.events.read('reader', 10)).toEqual([]);

    writer.release();
    await writer.done;
    const events = await store.events.read('reader', 10);
    expect(events.map((event) => [event.repository, event.kind])).toEqual([
      ['slow', 'repository.created'],
      ['fast', 'repository.created'],
      ['fast', 'blob.uploaded'],
    ]);
    await store.events.unregister('reader');
  });

  it('orders the writers of one repository as they commit, a waiting one after the holder', async () => {
    await store.events.register('reader', 'latest');
    const writer = await holdWriter('queued');
    const waiting = store.addBlob('queued', blob('queued layer'), { actor: 'waiter' });
    await sleep(100);
    writer.release();
    await Promise.all([writer.done, waiting]);

    const events = await store.events.read('reader', 10);
    expect(events.map((event) => [event.actor, event.kind])).toEqual([
      ['holder', 'repository.created'],
      ['waiter', 'blob.uploaded'],
    ]);
    await store.events.unregister('reader');
  });
});
