import { digestOf } from '../contract/metadata-store.contract';
import { usePostgresTestStore } from '../contract/test-databases.contract';
import type { SqlDatabase } from '../db/sql-database';
import type { SqlMetadataStore } from '../store/sql-metadata-store';

// A write holding a blob row while a review runs needs a server with several connections: PGlite
// runs one transaction at a time.
describe('blob reviews on PostgreSQL, with a write holding a blob', () => {
  const opened = usePostgresTestStore();
  let db: SqlDatabase;
  let store: SqlMetadataStore;

  beforeAll(async () => {
    ({ db, store } = opened());
    await store.gc.configure({ reviewDelaySeconds: 0, reviewJitterSeconds: 0 });
  });

  // What one case leaves due (its link, queued by the write) must not reach the next.
  beforeEach(async () => {
    for (;;) {
      const links = await store.gc.reviewDueLinks(100);
      const blobs = await store.gc.reviewDueBlobs(100);
      if (links.reviewed === 0 && blobs.reviewed === 0) return;
    }
  });

  const blob = (label: string) => ({ digest: digestOf(label), size: 10, storageKey: `blobs/${label}` });

  /** Links `digest` to `repository` in a transaction held open until `release` is called. */
  async function holdLink(repository: string, digest: string) {
    let release!: (commit: boolean) => void;
    const released = new Promise<boolean>((resolve) => (release = resolve));
    let linked!: () => void;
    const holding = new Promise<void>((resolve) => (linked = resolve));
    const done = db
      .transaction(async (tx) => {
        await tx.query(
          `INSERT INTO repository_blobs (repository_id, blob_digest)
           SELECT id, $2 FROM repositories WHERE name = $1`,
          [repository, digest],
        );
        linked();
        if (!(await released)) throw new Error('rolled back');
      })
      .catch((error: unknown) => {
        if (!(error instanceof Error && error.message === 'rolled back')) throw error;
      });
    await holding;
    return { release, done };
  }

  it.each([
    ['commits', 'keeps it', true],
    ['rolls back', 'deletes it', false],
  ])(
    'skips a blob a write is linking and queues it again; when the write %s, the next review %s',
    async (_, __, commit) => {
      const held = blob(`held ${String(commit)}`);
      const free = blob(`free ${String(commit)}`);
      const repository = `gc-locks-${String(commit)}`;
      for (const record of [held, free]) await store.addBlob(repository, record);
      // Unlinked, both are queued for review.
      await db.query('DELETE FROM repository_blobs WHERE blob_digest = ANY($1::text[])', [
        [held.digest, free.digest],
      ]);
      await store.gc.reviewDueLinks(100);
      const writer = await holdLink(repository, held.digest);
      try {
        // The held blob is neither waited for nor counted as reviewed; its review is queued again.
        expect(await store.gc.reviewDueBlobs(100)).toEqual({ reviewed: 1, removed: [free] });
        expect(await store.gc.reviewDueBlobs(100)).toEqual({ reviewed: 0, removed: [] });
        const [queued] = await db.query<{ reason: string }>(
          'SELECT reason FROM gc_blob_reviews WHERE blob_digest = $1',
          [held.digest],
        );
        expect(queued).toEqual({ reason: 'in use' });
      } finally {
        writer.release(commit);
        await writer.done;
      }
      expect(await store.gc.reviewDueBlobs(100)).toEqual({ reviewed: 1, removed: commit ? [] : [held] });
      expect(await store.findBlob(held.digest)).toEqual(commit ? held : undefined);
    },
  );
});
