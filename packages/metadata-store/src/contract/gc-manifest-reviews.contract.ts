import type { MetadataStore } from '../metadata-store';
import type { BlobRecord, NewManifest } from '../model';
import { digestOf, imageIndex, imageManifest, type ContractStore } from './metadata-store.contract';

const OFF = { reviewDelaySeconds: 0, reviewJitterSeconds: 0, untaggedManifests: false };
const ON = { ...OFF, untaggedManifests: true };

/**
 * What `consumer` reads once something is there: on a PostgreSQL server, events wait for every
 * older transaction anywhere on it (another test's) to end.
 */
async function readWhenCommitted(store: MetadataStore, consumer: string): Promise<unknown[]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const events = await store.events.read(consumer, 10);
    if (events.length > 0) return events;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return [];
}

/**
 * Garbage collection of untagged manifests (`untaggedManifests`), as every MetadataStore adapter
 * must do it: what queues a manifest's review, what keeps a manifest, and what goes with one.
 * `makeStore` must return a migrated, empty store.
 */
export function describeGcManifestReviewsContract(
  name: string,
  makeStore: () => Promise<ContractStore>,
): void {
  describe(`GcReviews of manifests contract: ${name}`, () => {
    let store: MetadataStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });

    afterEach(() => cleanup());

    let labels = 0;
    /** An image of its own config (and `layers`), pushed to `repository`, tagged when `tag` is. */
    async function pushImage(
      repository: string,
      options: { tag?: string; layers?: BlobRecord[]; subject?: string } = {},
    ): Promise<NewManifest> {
      const label = `manifest review ${labels++}`;
      const config = { digest: digestOf(label), size: 10, storageKey: `blobs/${label.replaceAll(' ', '-')}` };
      for (const record of [config, ...(options.layers ?? [])]) await store.addBlob(repository, record);
      const manifest = imageManifest([config, ...(options.layers ?? [])], {
        annotations: { label },
        ...(options.subject ? { subject: options.subject } : {}),
      });
      expect(await store.putManifest(repository, manifest, options.tag)).toMatchObject({ status: 'stored' });
      return manifest;
    }

    /** Reviews manifests until none is due, returning the digests deleted. */
    async function reviewManifests(): Promise<string[]> {
      const deleted: string[] = [];
      for (;;) {
        const batch = await store.gc.reviewDueManifests(100);
        deleted.push(...batch.removed.map((manifest) => manifest.digest));
        if (batch.reviewed === 0) return deleted.sort();
      }
    }

    const exists = async (repository: string, manifest: NewManifest) =>
      (await store.findManifestByDigest(repository, manifest.digest)) !== undefined;

    it('queues and deletes nothing while off, which is the default', async () => {
      expect(await store.gc.stats()).toMatchObject({ untaggedManifests: false, manifests: { queued: 0 } });
      await store.gc.configure(OFF);
      const untagged = await pushImage('app');
      expect(await store.gc.stats()).toMatchObject({ manifests: { queued: 0, due: 0 } });
      expect(await store.gc.reviewDueManifests(100)).toEqual({ reviewed: 0, removed: [] });
      expect(await exists('app', untagged)).toBe(true);
    });

    it('deletes a manifest pushed untagged, recorded as gc, and queues its blobs for review', async () => {
      await store.gc.configure(ON);
      const untagged = await pushImage('app');
      expect(await store.gc.stats()).toMatchObject({
        untaggedManifests: true,
        manifests: { queued: 1, due: 1 },
      });
      await store.events.register('check', 'latest');
      expect(await store.gc.reviewDueManifests(100)).toEqual({
        reviewed: 1,
        removed: [{ repository: 'app', digest: untagged.digest, size: untagged.payload.length }],
      });
      expect(await exists('app', untagged)).toBe(false);
      expect(await readWhenCommitted(store, 'check')).toEqual([
        expect.objectContaining({ kind: 'manifest.deleted', digest: untagged.digest, actor: 'gc' }),
      ]);
      await store.events.unregister('check');
      // Its config is no longer referenced: its link is reviewed, then the blob.
      const link = await store.gc.reviewDueLinks(100);
      expect(link.removed).toEqual([{ repository: 'app', digest: untagged.blobDigests[0] }]);
      expect((await store.gc.reviewDueBlobs(100)).removed.map((blob) => blob.digest)).toEqual(
        untagged.blobDigests,
      );
    });

    it('keeps a tagged manifest, and deletes it once its tag is deleted or moved away', async () => {
      await store.gc.configure(ON);
      const deletedTag = await pushImage('app', { tag: 'gone' });
      const moved = await pushImage('app', { tag: 'moving' });
      expect(await reviewManifests()).toEqual([]);
      expect(await exists('app', deletedTag)).toBe(true);

      expect(await store.deleteTag('app', 'gone')).toBe(true);
      const current = await pushImage('app', { tag: 'moving' });
      expect(await store.gc.stats()).toMatchObject({ manifests: { due: 2 } });
      expect(await reviewManifests()).toEqual([deletedTag.digest, moved.digest].sort());
      expect(await exists('app', current)).toBe(true);
    });

    it('keeps a manifest tagged again before its review', async () => {
      await store.gc.configure(ON);
      const image = await pushImage('app');
      expect(await store.putManifest('app', image, 'late')).toMatchObject({ status: 'stored' });
      expect(await reviewManifests()).toEqual([]);
      expect(await store.findManifestByTag('app', 'late')).toMatchObject({ digest: image.digest });
    });

    it('deletes an index with the children only it lists, and keeps children something else keeps', async () => {
      await store.gc.configure(ON);
      const onlyHere = await pushImage('app');
      const tagged = await pushImage('app', { tag: 'arm64' });
      const shared = await pushImage('app');
      const index = imageIndex([onlyHere, tagged, shared]);
      const other = imageIndex([shared]);
      await store.putManifest('app', index, 'multi');
      await store.putManifest('app', other, 'other');
      // Children listed by an index are kept while it is.
      expect(await reviewManifests()).toEqual([]);

      expect(await store.deleteTag('app', 'multi')).toBe(true);
      expect(await reviewManifests()).toEqual([index.digest, onlyHere.digest].sort());
      for (const kept of [tagged, shared, other]) expect(await exists('app', kept)).toBe(true);

      // Deleting the other index by digest leaves its child with no parent: reviewed and deleted.
      expect(await store.deleteManifest('app', other.digest)).toBe(true);
      expect(await reviewManifests()).toEqual([shared.digest]);
    });

    it('keeps the referrers of a kept manifest, and deletes those no tag keeps along with it', async () => {
      await store.gc.configure(ON);
      const image = await pushImage('app', { tag: 'v1' });
      const signature = await pushImage('app', { subject: image.digest });
      const attestation = await pushImage('app', { subject: signature.digest });
      const taggedSbom = await pushImage('app', { subject: image.digest, tag: 'sbom' });
      expect(await reviewManifests()).toEqual([]);

      expect(await store.deleteTag('app', 'v1')).toBe(true);
      expect(await reviewManifests()).toEqual([image.digest, signature.digest, attestation.digest].sort());
      expect(await exists('app', taggedSbom)).toBe(true);
    });

    it('deletes the referrers of a manifest a client deleted, once reviewed', async () => {
      await store.gc.configure(ON);
      const image = await pushImage('app', { tag: 'v1' });
      const signature = await pushImage('app', { subject: image.digest });
      expect(await store.deleteManifest('app', image.digest)).toBe(true);
      expect(await reviewManifests()).toEqual([signature.digest]);
    });

    it('queues what is unkept when turned on, and drops what is queued when turned off', async () => {
      await store.gc.configure(OFF);
      const before = await pushImage('app');
      await pushImage('app', { tag: 'kept' });
      await store.gc.configure(ON);
      expect(await store.gc.stats()).toMatchObject({ manifests: { queued: 1 } });
      await store.gc.configure(OFF);
      expect(await store.gc.stats()).toMatchObject({ untaggedManifests: false, manifests: { queued: 0 } });
      // Configured without saying, the setting stays as it is.
      await store.gc.configure(ON);
      await store.gc.configure({ reviewDelaySeconds: 0, reviewJitterSeconds: 0 });
      expect(await store.gc.stats()).toMatchObject({ untaggedManifests: true, manifests: { queued: 1 } });
      expect(await reviewManifests()).toEqual([before.digest]);
    });

    it('keeps the review of a manifest due later than the delay says, and reviews nothing early', async () => {
      await store.gc.configure({ ...ON, reviewDelaySeconds: 3_600 });
      const image = await pushImage('app');
      expect(await store.gc.stats()).toMatchObject({ manifests: { queued: 1, due: 0 } });
      expect(await store.gc.reviewDueManifests(100)).toEqual({ reviewed: 0, removed: [] });
      expect(await exists('app', image)).toBe(true);
    });
  });
}
