import type { MetadataStore } from '../metadata-store';
import type { BlobRecord } from '../model';
import { digestOf, imageManifest, type ContractStore } from './metadata-store.contract';

const NOW = { reviewDelaySeconds: 0, reviewJitterSeconds: 0 };
const LATER = { reviewDelaySeconds: 3_600, reviewJitterSeconds: 0 };

function blob(label: string, size = 100): BlobRecord {
  const digest = digestOf(label);
  return { digest, size, storageKey: `blobs/${label.replaceAll(' ', '-')}` };
}

/**
 * The behaviour of garbage collection's review queues every MetadataStore adapter must show:
 * which writes queue reviews, and what a review removes and keeps. `makeStore` must return a
 * migrated, empty store.
 */
export function describeGcReviewsContract(name: string, makeStore: () => Promise<ContractStore>): void {
  describe(`GcReviews contract: ${name}`, () => {
    let store: MetadataStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
      expect(await store.gc.stats()).toEqual({
        at: expect.any(Date),
        timing: { reviewDelaySeconds: 86_400, reviewJitterSeconds: 3_600 },
        untaggedManifests: false,
        recent: { reviews: 0, since: expect.any(Date) },
        manifests: { queued: 0, due: 0 },
        links: { queued: 0, due: 0 },
        blobs: { queued: 0, due: 0, dueBytes: 0 },
      });
    });

    afterEach(() => cleanup());

    /** Reviews everything due, links first (their removal queues blob reviews), until nothing is. */
    async function collect(): Promise<{ links: number; blobs: BlobRecord[] }> {
      let links = 0;
      const blobs: BlobRecord[] = [];
      for (;;) {
        const linkBatch = await store.gc.reviewDueLinks(100);
        const blobBatch = await store.gc.reviewDueBlobs(100);
        links += linkBatch.removed.length;
        blobs.push(...blobBatch.removed);
        if (linkBatch.reviewed === 0 && blobBatch.reviewed === 0) return { links, blobs };
      }
    }

    async function pushImage(repository: string, label: string, tag?: string) {
      const blobs = [blob(`${label} config`), blob(`${label} layer`)];
      for (const record of blobs) await store.addBlob(repository, record);
      const manifest = imageManifest(blobs);
      await store.putManifest(repository, manifest, tag);
      return { blobs, manifest };
    }

    it('reclaims a blob uploaded that no manifest came to use, link then row', async () => {
      await store.gc.configure(NOW);
      const orphan = blob('orphan', 321);
      await store.addBlob('app', orphan);
      expect(await store.gc.stats()).toMatchObject({ links: { queued: 1, due: 1 } });

      expect(await store.gc.reviewDueLinks(10)).toEqual({
        reviewed: 1,
        removed: [{ repository: 'app', digest: orphan.digest }],
      });
      expect(await store.findRepositoryBlob('app', orphan.digest)).toBeUndefined();
      expect(await store.gc.stats()).toMatchObject({ blobs: { queued: 1, due: 1, dueBytes: 321 } });
      expect(await store.gc.reviewDueBlobs(10)).toEqual({ reviewed: 1, removed: [orphan] });
      expect(await store.findBlob(orphan.digest)).toBeUndefined();

      // The unlink is an event like any other, recorded as garbage collection's.
      await store.events.register('check', 'oldest');
      expect((await store.events.read('check', 10)).at(-1)).toMatchObject({
        kind: 'blob.unlinked',
        repository: 'app',
        digest: orphan.digest,
        actor: 'gc',
      });
      await store.events.unregister('check');

      // Pushed again later, it is a new blob.
      expect(await store.addBlob('app', orphan)).toEqual({ blob: orphan, created: true });
    });

    it('counts the reviews that kept what they reviewed, so that a batch of them is not taken for the last', async () => {
      await store.gc.configure(NOW);
      // Each blob is unlinked, then linked again elsewhere and used there: its review keeps it.
      const kept = [blob('kept a'), blob('kept b'), blob('kept c')];
      for (const record of kept) {
        await store.addBlob('app', record);
        await store.unlinkBlob('app', record.digest);
        await store.linkBlob('other', record.digest);
      }
      await store.putManifest('other', imageManifest(kept), 'v1');
      const orphan = blob('kept orphan');
      await store.addBlob('app', orphan);
      await store.unlinkBlob('app', orphan.digest);

      expect(await store.gc.reviewDueLinks(3)).toEqual({ reviewed: 0, removed: [] });
      expect(await store.gc.reviewDueBlobs(3)).toEqual({ reviewed: 3, removed: [] });
      expect(await store.gc.reviewDueBlobs(3)).toEqual({ reviewed: 1, removed: [orphan] });
      expect(await store.gc.reviewDueBlobs(3)).toEqual({ reviewed: 0, removed: [] });
      // Every review done counts towards the rate, kept or not, by any process.
      const { at, recent } = await store.gc.stats();
      expect(recent.reviews).toBe(4);
      expect(at.getTime() - recent.since.getTime()).toBeGreaterThanOrEqual(300_000);
      expect(at.getTime() - recent.since.getTime()).toBeLessThan(360_000);
    });

    it('drops the review of a link a manifest came to use, or that was removed', async () => {
      await store.gc.configure(LATER);
      const used = blob('used');
      const removed = blob('removed');
      for (const record of [used, removed]) await store.addBlob('app', record);
      expect(await store.gc.stats()).toMatchObject({ links: { queued: 2 } });
      await store.putManifest('app', imageManifest([used]), 'v1');
      await store.unlinkBlob('app', removed.digest);
      // The removed link's blob is queued for review instead.
      expect(await store.gc.stats()).toMatchObject({ links: { queued: 0 }, blobs: { queued: 1 } });
    });

    it('keeps what a manifest references, tagged or not', async () => {
      await store.gc.configure(NOW);
      const tagged = await pushImage('app', 'v1', 'latest');
      const moved = await pushImage('app', 'v2', 'stable');
      await pushImage('app', 'v3', 'stable');
      expect(await collect()).toEqual({ links: 0, blobs: [] });
      for (const record of [...tagged.blobs, ...moved.blobs]) {
        expect(await store.findRepositoryBlob('app', record.digest)).toEqual(record);
      }
      expect(await store.gc.stats()).toMatchObject({ links: { queued: 0 }, blobs: { queued: 0 } });
    });

    it('reclaims the layers of a deleted manifest that nothing else uses', async () => {
      await store.gc.configure(NOW);
      const base = blob('shared base');
      const only = blob('only here');
      for (const record of [base, only]) await store.addBlob('app', record);
      const doomed = imageManifest([base, only]);
      const kept = imageManifest([base]);
      await store.putManifest('app', doomed, 'old');
      await store.putManifest('app', kept, 'new');
      // The same base is linked in another repository too.
      await store.addBlob('other', base);
      await store.putManifest('other', imageManifest([base], { annotations: { repo: 'other' } }), 'x');
      expect(await collect()).toEqual({ links: 0, blobs: [] });

      expect(await store.deleteManifest('app', doomed.digest)).toBe(true);
      expect(await collect()).toEqual({ links: 1, blobs: [only] });
      expect(await store.findRepositoryBlob('app', base.digest)).toEqual(base);
      expect(await store.findBlob(only.digest)).toBeUndefined();

      // Once no repository links the base any more, it goes too.
      expect(await store.deleteManifest('app', kept.digest)).toBe(true);
      expect(await collect()).toEqual({ links: 1, blobs: [] });
      expect(await store.findBlob(base.digest)).toEqual(base);
    });

    it('keeps a blob another repository still links, and reclaims it after its last link goes', async () => {
      await store.gc.configure(NOW);
      const layer = blob('mounted');
      await store.addBlob('source', layer);
      expect(await store.linkBlob('target', layer.digest)).toBe(true);
      expect(await store.unlinkBlob('source', layer.digest)).toBe(true);
      // The target's link is itself unreferenced, so both links go, then the blob.
      expect(await collect()).toEqual({ links: 1, blobs: [layer] });
    });

    it('is due only after the delay, and a blob used again pushes its review back', async () => {
      await store.gc.configure(LATER);
      const layer = blob('waiting');
      await store.addBlob('app', layer);
      expect(await store.gc.stats()).toMatchObject({ links: { queued: 1, due: 0 } });
      expect(await collect()).toEqual({ links: 0, blobs: [] });

      // Queued as due now, then read (a client checking the blob exists): pushed back by the delay.
      await store.gc.configure(NOW);
      await store.addBlob('app', blob('due'));
      await store.gc.configure(LATER);
      expect(await store.findRepositoryBlob('app', blob('due').digest)).toEqual(blob('due'));
      expect(await store.gc.stats()).toMatchObject({ links: { queued: 2, due: 0 } });

      // Uploading or mounting it again pushes its review back alike.
      await store.gc.configure(NOW);
      await store.addBlob('app', blob('again'));
      await store.linkBlob('mirror', blob('again').digest);
      await store.gc.configure(LATER);
      await store.addBlob('app', blob('again'));
      await store.linkBlob('mirror', blob('again').digest);
      expect(await store.gc.stats()).toMatchObject({ links: { queued: 4, due: 0 } });
    });

    it('counts by the database clock: the timing in force, the oldest review due, the next to come', async () => {
      await store.gc.configure(NOW);
      await store.addBlob('app', blob('due', 300));
      await store.unlinkBlob('app', blob('due', 300).digest);
      await store.addBlob('app', blob('due link'));
      await store.gc.configure(LATER);
      await store.addBlob('app', blob('waiting'));
      const { at, timing, links, blobs } = await store.gc.stats();
      expect(timing).toEqual(LATER);
      expect(links).toEqual({
        queued: 2,
        due: 1,
        oldestDueAt: expect.any(Date),
        nextDueAt: expect.any(Date),
      });
      expect(blobs).toEqual({ queued: 1, due: 1, dueBytes: 300, oldestDueAt: expect.any(Date) });
      expect(links.oldestDueAt!.getTime()).toBeLessThanOrEqual(at.getTime());
      expect(blobs.oldestDueAt!.getTime()).toBeLessThanOrEqual(at.getTime());
      const waitMs = links.nextDueAt!.getTime() - at.getTime();
      expect(waitMs).toBeGreaterThan(3_500_000);
      expect(waitMs).toBeLessThanOrEqual(3_600_000);
    });

    it('never removes a link or deletes a blob twice when several review at once', async () => {
      await store.gc.configure(NOW);
      const blobs = Array.from({ length: 12 }, (_, i) => blob(`parallel ${i}`));
      for (const record of blobs) await store.addBlob('app', record);
      const digests = blobs.map((record) => record.digest).sort();
      // A reviewer skips what another holds (the repository or the review), to find it on its next run.
      const links: string[] = [];
      while (links.length < blobs.length) {
        const rounds = await Promise.all([1, 2, 3].map(() => store.gc.reviewDueLinks(100)));
        const removed = rounds.flatMap((round) => round.removed);
        links.push(...removed.map((link) => link.digest));
        if (removed.length === 0) break;
      }
      expect(links.sort()).toEqual(digests);
      const deleted = await Promise.all([1, 2, 3].map(() => store.gc.reviewDueBlobs(100)));
      expect(deleted.reduce((sum, round) => sum + round.reviewed, 0)).toBe(blobs.length);
      expect(
        deleted
          .flatMap((round) => round.removed)
          .map((record) => record.digest)
          .sort(),
      ).toEqual(digests);
    });
  });
}
