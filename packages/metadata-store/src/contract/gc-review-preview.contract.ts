import type { GcSettings, ReviewPreview, ReviewQueueStats, ReviewTiming } from '../gc/gc-reviews';
import type { MetadataStore } from '../metadata-store';
import type { BlobRecord } from '../model';
import { digestOf, imageIndex, imageManifest, type ContractStore } from './metadata-store.contract';

const AT_ONCE: ReviewTiming = { reviewDelaySeconds: 0, reviewJitterSeconds: 0 };
const AFTER_AN_HOUR: ReviewTiming = { reviewDelaySeconds: 3_600, reviewJitterSeconds: 0 };
// A jitter alone puts a review queued now after now, as a delay does.
const JITTER_ONLY: ReviewTiming = { reviewDelaySeconds: 0, reviewJitterSeconds: 3_600 };

/** What a pass of reviews removed, in the preview's terms and order. */
interface Removed {
  manifests: { repository: string; digest: string; size: number }[];
  links: { repository: string; digest: string; size: number }[];
  blobs: { digest: string; size: number }[];
}

/**
 * The preview of garbage collection every MetadataStore adapter must give: exactly what reviewing
 * everything due, until nothing is, then removes, changing nothing itself. Each case is run with
 * reviews taken one at a time, which interleaves link and blob reviews the most, and a hundred at
 * a time. `makeStore` must return a migrated, empty store.
 */
export function describeGcReviewPreviewContract(name: string, makeStore: () => Promise<ContractStore>): void {
  describe.each([1, 100])(`GcReviews preview contract: ${name}, reviews %i at a time`, (batch) => {
    let store: MetadataStore;
    let cleanup: () => Promise<void>;
    const sizes = new Map<string, number>();

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
      expect(await store.gc.previewDueReviews()).toEqual({
        at: expect.any(Date),
        manifests: [],
        links: [],
        blobs: [],
      });
    });

    afterEach(() => cleanup());

    /** A blob of its own size, so that byte totals tell blobs apart. */
    function blob(label: string): BlobRecord {
      const digest = digestOf(`preview ${label}`);
      const size = 1 + Number.parseInt(digest.slice('sha256:'.length, 'sha256:'.length + 5), 16);
      sizes.set(digest, size);
      return { digest, size, storageKey: `blobs/${label.replaceAll(' ', '-')}` };
    }

    const link = (repository: string, record: BlobRecord) => ({
      repository,
      digest: record.digest,
      size: record.size,
    });
    const gone = (record: BlobRecord) => ({ digest: record.digest, size: record.size });

    /** Reviews manifests, then links and blobs, `batch` at a time, until nothing is due. */
    async function reviewUntilNothingIsDue(): Promise<Removed> {
      const removed: Removed = { manifests: [], links: [], blobs: [] };
      for (;;) {
        const manifests = await store.gc.reviewDueManifests(batch);
        removed.manifests.push(...manifests.removed);
        if (manifests.reviewed === 0) break;
      }
      removed.manifests.sort((a, b) => compare(a.repository, b.repository) || compare(a.digest, b.digest));
      for (let pass = 0; pass < 1_000; pass++) {
        for (const { repository, digest } of (await store.gc.reviewDueLinks(batch)).removed) {
          removed.links.push({ repository, digest, size: sizes.get(digest) ?? -1 });
        }
        for (const { digest, size } of (await store.gc.reviewDueBlobs(batch)).removed)
          removed.blobs.push({ digest, size });
        const { links, blobs } = await store.gc.stats();
        if (links.due === 0 && blobs.due === 0) {
          removed.links.sort((a, b) => compare(a.repository, b.repository) || compare(a.digest, b.digest));
          removed.blobs.sort((a, b) => compare(a.digest, b.digest));
          return removed;
        }
      }
      throw new Error('reviews were still due after 1000 passes');
    }

    /**
     * Previews, checks the preview changed nothing, reviews everything due, and expects both to
     * have removed `expected`, with the same bytes.
     */
    async function expectPreviewOfTheRun(
      settings: GcSettings,
      expected: Omit<Removed, 'manifests'> & Partial<Pick<Removed, 'manifests'>>,
    ): Promise<void> {
      await store.gc.configure(settings);
      const before = await store.gc.stats();
      const preview = await store.gc.previewDueReviews();
      expect(withoutClock(await store.gc.stats())).toEqual(withoutClock(before));
      const run = await reviewUntilNothingIsDue();
      const sorted: Removed = {
        manifests: [...(expected.manifests ?? [])].sort(
          (a, b) => compare(a.repository, b.repository) || compare(a.digest, b.digest),
        ),
        links: [...expected.links].sort(
          (a, b) => compare(a.repository, b.repository) || compare(a.digest, b.digest),
        ),
        blobs: [...expected.blobs].sort((a, b) => compare(a.digest, b.digest)),
      };
      expect(withoutTime(preview)).toEqual(sorted);
      expect(run).toEqual(sorted);
      expect(totals(preview)).toEqual(totals(run));
      // Nothing is left to do that the preview did not foresee.
      expect(withoutTime(await store.gc.previewDueReviews())).toEqual({
        manifests: [],
        links: [],
        blobs: [],
      });
    }

    it('foresees orphan uploads going, link then blob, with no delay', async () => {
      await store.gc.configure(AT_ONCE);
      const [alone, twice] = [blob('alone'), blob('twice')];
      await store.addBlob('app', alone);
      await store.addBlob('app', twice);
      await store.addBlob('mirror', twice);
      await expectPreviewOfTheRun(AT_ONCE, {
        links: [link('app', alone), link('app', twice), link('mirror', twice)],
        blobs: [gone(alone), gone(twice)],
      });
      expect(await store.findBlob(twice.digest)).toBeUndefined();
    });

    it('foresees orphan links going but not their blobs, whose reviews a delay or a jitter puts later', async () => {
      for (const timing of [AFTER_AN_HOUR, JITTER_ONLY]) {
        await store.gc.configure(AT_ONCE);
        const orphan = blob(`orphan ${timing.reviewDelaySeconds}`);
        await store.addBlob('app', orphan);
        await expectPreviewOfTheRun(timing, { links: [link('app', orphan)], blobs: [] });
        expect(await store.findBlob(orphan.digest)).toEqual(orphan);
        expect(await store.gc.stats()).toMatchObject({ blobs: { due: 0 } });
      }
    });

    it('foresees the unshared layers of a deleted manifest going, and the shared ones staying', async () => {
      await store.gc.configure(AT_ONCE);
      const config = blob('v1 config');
      const shared = blob('shared');
      const only = blob('only v1');
      const otherConfig = blob('v2 config');
      for (const record of [config, shared, only, otherConfig]) await store.addBlob('app', record);
      const doomed = imageManifest([config, shared, only]);
      await store.putManifest('app', doomed, 'v1');
      await store.putManifest('app', imageManifest([otherConfig, shared]), 'v2');
      // The unshared layer is also linked, and used, in another repository.
      await store.addBlob('other', only);
      await store.putManifest('other', imageManifest([only]), 'x');
      await expectPreviewOfTheRun(AT_ONCE, { links: [], blobs: [] });

      expect(await store.deleteManifest('app', doomed.digest)).toBe(true);
      await expectPreviewOfTheRun(AT_ONCE, {
        links: [link('app', config), link('app', only)],
        blobs: [gone(config)],
      });
      expect(await store.findRepositoryBlob('app', shared.digest)).toEqual(shared);
      expect(await store.findRepositoryBlob('other', only.digest)).toEqual(only);
    });

    it('foresees a deleted manifest losing its links but keeping its blobs, with a delay', async () => {
      await store.gc.configure(AT_ONCE);
      const [config, layer] = [blob('delayed config'), blob('delayed layer')];
      for (const record of [config, layer]) await store.addBlob('app', record);
      const manifest = imageManifest([config, layer]);
      await store.putManifest('app', manifest, 'v1');
      expect(await store.deleteManifest('app', manifest.digest)).toBe(true);
      await expectPreviewOfTheRun(AFTER_AN_HOUR, {
        links: [link('app', config), link('app', layer)],
        blobs: [],
      });
    });

    it('foresees a blob linked in several repositories going only once its last link goes', async () => {
      await store.gc.configure(AT_ONCE);
      const [everywhere, held] = [blob('everywhere'), blob('held')];
      for (const repository of ['a', 'b', 'c']) await store.addBlob(repository, everywhere);
      await store.addBlob('a', held);
      // Linked in b after the delay was set: that link is not due, so the blob stays.
      await store.gc.configure(AFTER_AN_HOUR);
      expect(await store.linkBlob('b', held.digest)).toBe(true);
      await expectPreviewOfTheRun(AT_ONCE, {
        links: [link('a', everywhere), link('b', everywhere), link('c', everywhere), link('a', held)],
        blobs: [gone(everywhere)],
      });
      expect(await store.findRepositoryBlob('b', held.digest)).toEqual(held);
    });

    it('foresees blobs deleted from a repository going, and a later review keeping a blob', async () => {
      await store.gc.configure(AT_ONCE);
      const [deleted, stillLinked] = [blob('deleted'), blob('still linked')];
      await store.addBlob('app', deleted);
      expect(await store.unlinkBlob('app', deleted.digest)).toBe(true);
      await store.addBlob('app', stillLinked);
      await store.addBlob('other', stillLinked);
      expect(await store.unlinkBlob('other', stillLinked.digest)).toBe(true);
      // Both blobs are due, and stillLinked's link too: with a delay, removing that link postpones
      // the blob's review, which is then not due in this pass.
      await expectPreviewOfTheRun(AFTER_AN_HOUR, {
        links: [link('app', stillLinked)],
        blobs: [gone(deleted)],
      });
      expect(await store.findBlob(stillLinked.digest)).toEqual(stillLinked);
    });

    it('foresees a blob review due and its last link removed going together, with no delay', async () => {
      await store.gc.configure(AT_ONCE);
      const record = blob('both due');
      await store.addBlob('app', record);
      await store.addBlob('other', record);
      expect(await store.unlinkBlob('other', record.digest)).toBe(true);
      await expectPreviewOfTheRun(AT_ONCE, { links: [link('app', record)], blobs: [gone(record)] });
    });

    it('foresees postponed reviews staying, and a blob review waiting for later holding a blob', async () => {
      await store.gc.configure(AT_ONCE);
      const read = blob('read');
      const uploadedAgain = blob('uploaded again');
      const waiting = blob('waiting');
      const due = blob('due');
      for (const record of [read, uploadedAgain, due]) await store.addBlob('app', record);
      await store.gc.configure(AFTER_AN_HOUR);
      // Read (a client checking it exists), uploaded again: both reviews pushed back by the delay.
      expect(await store.findRepositoryBlob('app', read.digest)).toEqual(read);
      await store.addBlob('app', uploadedAgain);
      // Deleted from its only repository with the delay: its review waits an hour...
      await store.addBlob('gone', waiting);
      expect(await store.unlinkBlob('gone', waiting.digest)).toBe(true);
      // ...and a link made with no delay, due at once, is removed without bringing that review forward.
      await store.gc.configure(AT_ONCE);
      expect(await store.linkBlob('late', waiting.digest)).toBe(true);
      await expectPreviewOfTheRun(AT_ONCE, {
        links: [link('app', due), link('late', waiting)],
        blobs: [gone(due)],
      });
      expect(await store.findBlob(waiting.digest)).toEqual(waiting);
      expect(await store.findRepositoryBlob('app', read.digest)).toEqual(read);
      expect(await store.findRepositoryBlob('app', uploadedAgain.digest)).toEqual(uploadedAgain);
    });

    describe('with untagged manifests collected', () => {
      /** An image of its own config and `layers`, pushed to `repository`, untagged unless `tag`. */
      async function pushImage(repository: string, label: string, layers: BlobRecord[], tag?: string) {
        const config = blob(`${label} config`);
        for (const record of [config, ...layers]) await store.addBlob(repository, record);
        const manifest = imageManifest([config, ...layers], { annotations: { label } });
        await store.putManifest(repository, manifest, tag);
        return { config, manifest };
      }
      const deleted = (repository: string, manifest: { digest: string; payload: Buffer }) => ({
        repository,
        digest: manifest.digest,
        size: manifest.payload.length,
      });

      it('foresees unkept manifests going with their referrers and children, then their blobs, with no delay', async () => {
        await store.gc.configure(AT_ONCE);
        const shared = blob('shared by kept and doomed');
        const kept = await pushImage('app', 'kept', [shared], 'v1');
        const layer = blob('untagged layer');
        const untagged = await pushImage('app', 'untagged', [shared, layer]);
        const signature = imageManifest([untagged.config], { subject: untagged.manifest.digest });
        await store.putManifest('app', signature);
        const child = await pushImage('app', 'child', []);
        const index = imageIndex([child.manifest]);
        await store.putManifest('app', index, 'multi');
        expect(await store.deleteTag('app', 'multi')).toBe(true);
        await expectPreviewOfTheRun(
          { ...AT_ONCE, untaggedManifests: true },
          {
            manifests: [
              deleted('app', untagged.manifest),
              deleted('app', signature),
              deleted('app', index),
              deleted('app', child.manifest),
            ],
            links: [link('app', untagged.config), link('app', layer), link('app', child.config)],
            blobs: [gone(untagged.config), gone(layer), gone(child.config)],
          },
        );
        expect(await store.findManifestByTag('app', 'v1')).toMatchObject({ digest: kept.manifest.digest });
        expect(await store.findRepositoryBlob('app', shared.digest)).toEqual(shared);
      });

      it('foresees unkept manifests going but keeping their links for the delay', async () => {
        await store.gc.configure(AT_ONCE);
        const untagged = await pushImage('app', 'delayed untagged', [blob('delayed untagged layer')]);
        // Due now: queued while there was no delay.
        await store.gc.configure({ ...AT_ONCE, untaggedManifests: true });
        await expectPreviewOfTheRun(
          { ...AFTER_AN_HOUR, untaggedManifests: true },
          { manifests: [deleted('app', untagged.manifest)], links: [], blobs: [] },
        );
        expect(await store.gc.stats()).toMatchObject({ links: { due: 0 } });
      });
    });

    it('foresees nothing for what is queued but not due', async () => {
      await store.gc.configure(AFTER_AN_HOUR);
      await store.addBlob('app', blob('fresh'));
      await expectPreviewOfTheRun(AFTER_AN_HOUR, { links: [], blobs: [] });
      expect(await store.gc.stats()).toMatchObject({ links: { queued: 1, due: 0 } });
    });
  });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function withoutTime({ manifests, links, blobs }: ReviewPreview): Removed {
  return { manifests, links, blobs };
}

/** The stats without what moves with the clock: when they were read, and the rate's window. */
function withoutClock({ at: _at, recent, ...stats }: ReviewQueueStats): object {
  return { ...stats, recentReviews: recent.reviews };
}

function totals({ manifests, links, blobs }: Removed): Record<string, number> {
  const sum = (items: { size: number }[]) => items.reduce((total, item) => total + item.size, 0);
  return { manifestBytes: sum(manifests), linkBytes: sum(links), blobBytes: sum(blobs) };
}
