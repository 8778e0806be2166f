import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { FilesystemBlobStore } from '@berth/blob-store';
import { cliOn, EMBEDDED_BACKEND } from '../support/cli-harness';
import { digestOf } from '../support/registry-content';

// Every gc command once on the embedded default with the registry stopped; the detailed
// behaviour of each is tested on PostgreSQL, through the same store code.
describe('gc commands on embedded PGlite', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'berth-cli-gc-'));
  const cli = cliOn(EMBEDDED_BACKEND, { BERTH_BLOBS_FILESYSTEM_ROOT: root });

  afterAll(() => rm(root, { recursive: true, force: true }));

  it('shows, previews and runs garbage collection, deleting the objects of what it reclaims', async () => {
    await cli.ok(['migrate']);
    const blobs = new FilesystemBlobStore({ root });
    const orphan = { digest: digestOf('orphan'), size: 5000, storageKey: 'blobs/orphan' };
    try {
      await blobs.put(orphan.storageKey, Readable.from([Buffer.alloc(orphan.size)]));
      await cli.metadata(async ({ store }) => {
        await store.gc.configure({ reviewDelaySeconds: 0, reviewJitterSeconds: 0 });
        await store.addBlob('library/app', orphan);
      });
      expect(JSON.parse(await cli.ok(['gc', 'status', '--json']))).toMatchObject({
        links: { queued: 1, due: 1 },
      });
      expect(await cli.ok(['gc', 'dry-run'])).toMatch(/^library\/app +1 +4\.9 KiB$/m);
      expect(JSON.parse(await cli.ok(['gc', 'dry-run', '--json']))).toMatchObject({
        totals: { links: 1, linkBytes: 5000, blobs: 1, blobBytes: 5000 },
      });
      expect(JSON.parse(await cli.ok(['gc', 'run', '--now', '--json']))).toMatchObject({
        linksRemoved: 1,
        blobsReclaimed: 1,
        bytesReclaimed: 5000,
        remaining: { linksDue: 0, blobsDue: 0 },
      });
      expect(await blobs.stat(orphan.storageKey)).toBeUndefined();
      expect(await cli.ok(['gc', 'dry-run'])).toMatch(/a run would remove nothing\n$/);
    } finally {
      await blobs.close();
    }
  }, 120_000);
});
