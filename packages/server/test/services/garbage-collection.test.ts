import { OCI_MANIFEST, OciClient, randomBlob, sha256, uniqueRepo } from '../support/oci-client';
import { describeEachFlavor, type TestRegistry } from '../support/test-registry';

const ACCEPT = { Accept: OCI_MANIFEST };

async function metric(client: OciClient, name: string): Promise<number> {
  const text = await (await client.request('GET', '/metrics')).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
}

describeEachFlavor(
  'garbage collection',
  (started) => {
    let registry: TestRegistry;
    let client: OciClient;

    beforeAll(() => {
      registry = started();
      client = new OciClient(registry.url);
    });

    const collect = () => registry.running.registry.workers.runOnce('gc');

    /** Where blob storage keeps a blob, from the registry's own record of it. */
    async function storageKeyOf(digest: string): Promise<string> {
      const record = await registry.running.registry.backends.metadata.findBlob(digest);
      if (!record) throw new Error(`no record of ${digest}`);
      return record.storageKey;
    }

    async function stored(key: string): Promise<boolean> {
      return (await registry.listBlobStorage()).some((path) => path.endsWith(key));
    }

    it('reclaims a blob that no manifest came to use, from the database and from storage', async () => {
      const name = uniqueRepo('gc');
      const orphan = randomBlob(4096);
      const digest = await client.pushBlob(name, orphan);
      const key = await storageKeyOf(digest);
      expect(await stored(key)).toBe(true);
      const reclaimedBefore = await metric(client, 'berth_gc_reclaimed_bytes_total');

      expect(await collect()).toMatchObject({ outcome: 'done' });
      expect((await client.request('HEAD', `/v2/${name}/blobs/${digest}`)).status).toBe(404);
      expect(await stored(key)).toBe(false);
      expect(await metric(client, 'berth_gc_reclaimed_bytes_total')).toBeGreaterThanOrEqual(
        reclaimedBefore + orphan.length,
      );
      // It can be pushed again, and is then a blob like any other.
      await client.pushBlob(name, orphan);
      const pulled = await client.request('GET', `/v2/${name}/blobs/${digest}`, { follow: true });
      expect(sha256(Buffer.from(await pulled.arrayBuffer()))).toBe(digest);
    });

    it('keeps every blob of a tagged image, and of an untagged one, which clusters pull by digest', async () => {
      const name = uniqueRepo('gc');
      const tagged = await client.pushImage(name, 'latest');
      const untagged = await client.pushImage(name, 'moving');
      await client.pushImage(name, 'moving');
      await collect();
      for (const image of [tagged, untagged]) {
        const manifest = await client.request('GET', `/v2/${name}/manifests/${image.digest}`);
        expect(manifest.status).toBe(200);
        for (const blob of [image.config, ...image.layers]) {
          const pulled = await client.request('GET', `/v2/${name}/blobs/${sha256(blob)}`, { follow: true });
          expect(pulled.status).toBe(200);
          expect(Buffer.from(await pulled.arrayBuffer()).equals(blob)).toBe(true);
        }
      }
    });

    it('reclaims the layers of a deleted manifest that nothing else uses, and keeps the shared ones', async () => {
      const name = uniqueRepo('gc');
      const shared = randomBlob(2048);
      const doomed = await client.pushImage(name, 'old', { layers: [shared, randomBlob(3000)] });
      const kept = await client.pushImage(name, 'new', { layers: [shared] });
      const onlyDoomed = sha256(doomed.layers[1] as Buffer);
      const onlyDoomedKey = await storageKeyOf(onlyDoomed);

      expect((await client.request('DELETE', `/v2/${name}/manifests/${doomed.digest}`)).status).toBe(202);
      await collect();
      expect((await client.request('HEAD', `/v2/${name}/blobs/${onlyDoomed}`)).status).toBe(404);
      expect(await stored(onlyDoomedKey)).toBe(false);
      const sharedPull = await client.request('GET', `/v2/${name}/blobs/${sha256(shared)}`, { follow: true });
      expect(Buffer.from(await sharedPull.arrayBuffer()).equals(shared)).toBe(true);
      expect((await client.request('GET', `/v2/${name}/manifests/new`)).status).toBe(200);
      expect(kept.layers).toHaveLength(1);
    });

    it('reports its queues and reclaimed blobs in the metrics', async () => {
      await client.pushBlob(uniqueRepo('gc'), randomBlob(100));
      const reclaimedBefore = await metric(client, 'berth_gc_blobs_reclaimed_total');
      await collect();
      expect(await metric(client, 'berth_gc_blobs_reclaimed_total')).toBeGreaterThan(reclaimedBefore);
      expect(await metric(client, 'berth_gc_due_bytes')).toBe(0);
      const text = await (await client.request('GET', '/metrics')).text();
      expect(text).toMatch(/^berth_gc_reviews_due\{queue="links"\} 0$/m);
      expect(text).toMatch(/^berth_gc_overdue_seconds\{queue="blobs"\} 0$/m);
      expect(text).toMatch(/^berth_worker_runs_total\{worker="gc",outcome="done"\} [1-9]/m);
    });
  },
  // Due at once, reviewed when the test says.
  { gc: { reviewDelaySeconds: 0, reviewJitterSeconds: 0, intervalSeconds: 0 } },
);

describeEachFlavor(
  'garbage collection with its default delay',
  (started) => {
    it('leaves a freshly pushed blob alone', async () => {
      const registry = started();
      const client = new OciClient(registry.url);
      const name = uniqueRepo('gc');
      const digest = await client.pushBlob(name, randomBlob(512));
      expect(await registry.running.registry.workers.runOnce('gc')).toEqual({ outcome: 'done', items: 0 });
      expect((await client.request('HEAD', `/v2/${name}/blobs/${digest}`)).status).toBe(200);
    });
  },
  { gc: { intervalSeconds: 0 } },
);

describeEachFlavor(
  'garbage collection of untagged manifests',
  (started) => {
    it('deletes an untagged image with its signature, keeps the tagged one, and reclaims their blobs', async () => {
      const registry = started();
      const client = new OciClient(registry.url);
      const status = async (path: string) => (await client.request('GET', path, { headers: ACCEPT })).status;
      const name = uniqueRepo('gc-untagged');
      const kept = await client.pushImage(name, 'stable');
      const doomed = await client.pushImage(name, 'moving');
      const signature = await client.pushImage(name, undefined, {
        extra: { subject: { mediaType: OCI_MANIFEST, digest: doomed.digest, size: doomed.manifest.length } },
      });
      // Moving the tag leaves the first image, and its signature, kept by nothing.
      const current = await client.pushImage(name, 'moving');
      expect(await status(`/v2/${name}/referrers/${doomed.digest}`)).toBe(200);

      expect(await registry.running.registry.workers.runOnce('gc')).toMatchObject({ outcome: 'done' });
      for (const image of [doomed, signature]) {
        expect(await status(`/v2/${name}/manifests/${image.digest}`)).toBe(404);
        for (const layer of image.layers) {
          expect((await client.request('HEAD', `/v2/${name}/blobs/${sha256(layer)}`)).status).toBe(404);
        }
      }
      for (const image of [kept, current]) {
        expect(await status(`/v2/${name}/manifests/${image.digest}`)).toBe(200);
        for (const layer of image.layers) {
          const pulled = await client.request('GET', `/v2/${name}/blobs/${sha256(layer)}`, { follow: true });
          expect(sha256(Buffer.from(await pulled.arrayBuffer()))).toBe(sha256(layer));
        }
      }
      const text = await (await client.request('GET', '/metrics')).text();
      expect(Number(/^berth_gc_manifests_deleted_total (\S+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(2);
    });
  },
  { gc: { reviewDelaySeconds: 0, reviewJitterSeconds: 0, intervalSeconds: 0, untaggedManifests: true } },
);
