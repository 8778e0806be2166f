import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { FilesystemBlobStore } from '@berth/blob-store';
import { MemoryCoordinator } from '@berth/coordinator';
import {
  PgliteDatabase,
  SqlMetadataStore,
  type BlobRecord,
  type GcReviews,
  type NewManifest,
  type ReviewQueueStats,
} from '@berth/metadata-store';
import { GarbageCollector } from '../workers/garbage-collector';
import { WorkerRuntime } from '../workers/worker-runtime';
import { GcRunLog } from './gc-run-log';
import { GcService } from './gc-service';
import { createRegistryServices, type RegistryServices } from './registry-services';

const AT_ONCE = { reviewDelaySeconds: 0, reviewJitterSeconds: 0 };

function digestOf(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

describe('GcService', () => {
  let root: string;
  let blobs: FilesystemBlobStore;
  let metadata: SqlMetadataStore;
  let coordinator: MemoryCoordinator;
  let services: RegistryServices;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'berth-gc-service-'));
    blobs = new FilesystemBlobStore({ root });
    metadata = new SqlMetadataStore(await PgliteDatabase.open());
    await metadata.migrate();
    await metadata.gc.configure(AT_ONCE);
    coordinator = new MemoryCoordinator();
    services = createRegistryServices(
      { blobs, metadata, coordinator },
      {
        uploadSessionTtlSeconds: 60,
        manifestMaxBytes: 4 * 1024 * 1024,
        janitorIntervalSeconds: 0,
        events: { retentionSeconds: 3_600, pruneIntervalSeconds: 0 },
        gcIntervalSeconds: 30,
        orphans: { minimumAgeSeconds: 3_600, sweepIntervalSeconds: 0 },
      },
    );
  });

  afterAll(async () => {
    await services.close();
    await Promise.all([metadata.close(), blobs.close(), coordinator.close()]);
    await rm(root, { recursive: true, force: true });
  });

  /** A blob stored as an upload stores it: its object first, then its row and link. */
  async function upload(repository: string, label: string): Promise<BlobRecord> {
    const bytes = Buffer.from(`${label} `.repeat(10 + label.length));
    const record = {
      digest: digestOf(label),
      size: bytes.length,
      storageKey: `blobs/${label.replaceAll(' ', '-')}`,
    };
    await blobs.put(record.storageKey, Readable.from([bytes]));
    await metadata.addBlob(repository, record);
    return record;
  }

  async function stored(record: BlobRecord): Promise<boolean> {
    return (await blobs.stat(record.storageKey)) !== undefined;
  }

  it('reports the queues and timing, and this process collecting every interval', async () => {
    const status = await services.gc.status();
    expect(status).toEqual({
      at: expect.any(Date),
      timing: AT_ONCE,
      untaggedManifests: false,
      manifests: { queued: 0, due: 0 },
      links: { queued: 0, due: 0 },
      blobs: { queued: 0, due: 0, dueBytes: 0 },
      progress: { reviewsPerSecond: 0, etaSeconds: 0 },
      worker: { intervalSeconds: 30 },
    });
    const orphan = await upload('app', 'orphan');
    const { links, worker } = await services.gc.status();
    expect(links).toEqual({
      queued: 1,
      due: 1,
      oldestDueAt: expect.any(Date),
      overdueSeconds: expect.any(Number),
    });
    expect(worker).toEqual({ intervalSeconds: 30 });
    await services.gc.runNow();
    expect(await stored(orphan)).toBe(false);
  });

  it('previews what a run then removes, and reports it as the last run', async () => {
    const kept = await upload('app', 'kept');
    const layer = await upload('app', 'layer');
    const manifest = imageManifest([kept, layer]);
    await metadata.putManifest('app', manifest, 'v1');
    const orphan = await upload('app', 'unused');
    await upload('mirror', 'unused');
    expect(await metadata.deleteManifest('app', manifest.digest)).toBe(true);
    await metadata.putManifest('app', imageManifest([kept]), 'v2');

    const preview = await services.gc.dryRun();
    expect(preview).toEqual({
      at: expect.any(Date),
      repositories: [
        {
          repository: 'app',
          manifests: [],
          links: [layer, orphan]
            .map(({ digest, size }) => ({ digest, size }))
            .sort((a, b) => (a.digest < b.digest ? -1 : 1)),
          bytes: layer.size + orphan.size,
        },
        {
          repository: 'mirror',
          manifests: [],
          links: [{ digest: orphan.digest, size: orphan.size }],
          bytes: orphan.size,
        },
      ],
      blobs: [layer, orphan]
        .map(({ digest, size }) => ({ digest, size }))
        .sort((a, b) => (a.digest < b.digest ? -1 : 1)),
      totals: {
        manifests: 0,
        manifestBytes: 0,
        links: 3,
        linkBytes: layer.size + 2 * orphan.size,
        blobs: 2,
        blobBytes: layer.size + orphan.size,
      },
    });

    const report = await services.gc.runNow();
    expect(report).toEqual({
      startedAt: expect.any(Date),
      endedAt: expect.any(Date),
      seconds: expect.any(Number),
      manifestsDeleted: 0,
      linksRemoved: preview.totals.links,
      blobsReclaimed: preview.totals.blobs,
      bytesReclaimed: preview.totals.blobBytes,
      objectDeleteFailures: 0,
      remaining: { manifestsDue: 0, linksDue: 0, blobsDue: 0 },
    });
    expect([await stored(layer), await stored(orphan), await stored(kept)]).toEqual([false, false, true]);
    const { lastRun } = (await services.gc.status()).worker ?? {};
    expect(lastRun).toEqual({
      startedAt: report.startedAt,
      endedAt: report.endedAt,
      seconds: report.seconds,
      outcome: 'done',
      manifestsDeleted: 0,
      linksRemoved: 3,
      blobsReclaimed: 2,
      bytesReclaimed: report.bytesReclaimed,
      objectDeleteFailures: 0,
    });
  });

  it('reviews past a batch of reviews that all kept what they reviewed, in one run', async () => {
    // More due blob reviews than a batch, the first batch keeping all it reviews: each blob was
    // unlinked, then used in another repository.
    const many = await Promise.all(Array.from({ length: 130 }, (_, i) => upload('big', `many ${i}`)));
    for (const record of many) {
      await metadata.unlinkBlob('big', record.digest);
      await metadata.linkBlob('elsewhere', record.digest);
    }
    await metadata.putManifest('elsewhere', imageManifest(many), 'all');
    const orphan = await upload('big', 'last orphan');
    expect((await services.gc.dryRun()).totals).toEqual({
      manifests: 0,
      manifestBytes: 0,
      links: 1,
      linkBytes: orphan.size,
      blobs: 1,
      blobBytes: orphan.size,
    });
    expect(await services.gc.runNow()).toMatchObject({
      linksRemoved: 1,
      blobsReclaimed: 1,
      bytesReclaimed: orphan.size,
      remaining: { linksDue: 0, blobsDue: 0 },
    });
    expect(await stored(orphan)).toBe(false);
  });

  it('runs once when nothing is due, and reviews nothing early', async () => {
    await metadata.gc.configure({ reviewDelaySeconds: 3_600, reviewJitterSeconds: 0 });
    try {
      const fresh = await upload('app', 'fresh');
      expect((await services.gc.dryRun()).totals.links).toBe(0);
      expect(await services.gc.runNow()).toMatchObject({ linksRemoved: 0, blobsReclaimed: 0 });
      expect(await stored(fresh)).toBe(true);
    } finally {
      await metadata.gc.configure(AT_ONCE);
    }
  });
});

describe('GcService without a collector', () => {
  it('reports the queues with no worker, and cannot run', async () => {
    const metadata = new SqlMetadataStore(await PgliteDatabase.open());
    try {
      await metadata.migrate();
      const gc = new GcService({ reviews: metadata.gc });
      expect(await gc.status()).not.toHaveProperty('worker');
      expect(await gc.dryRun()).toMatchObject({ repositories: [], blobs: [] });
      await expect(gc.runNow()).rejects.toThrow('cannot run in this process');
    } finally {
      await metadata.close();
    }
  });
});

describe('GcService.runNow when a run fails', () => {
  it('throws what the run failed with, and records the failure as the last run', async () => {
    const failure = new Error('the database went away');
    const stats: ReviewQueueStats = {
      at: new Date(),
      timing: AT_ONCE,
      untaggedManifests: false,
      recent: { reviews: 0, since: new Date() },
      manifests: { queued: 0, due: 0 },
      links: { queued: 1, due: 1 },
      blobs: { queued: 0, due: 0, dueBytes: 0 },
    };
    const reviews: GcReviews = {
      configure: async () => undefined,
      reviewDueManifests: async () => ({ reviewed: 0, removed: [] }),
      reviewDueLinks: async () => Promise.reject(failure),
      reviewDueBlobs: async () => ({ reviewed: 0, removed: [] }),
      previewDueReviews: async () => ({ at: new Date(), manifests: [], links: [], blobs: [] }),
      stats: async () => stats,
    };
    const coordinator = new MemoryCoordinator();
    const runs = new GcRunLog();
    const worker = new GarbageCollector({
      reviews,
      blobs: new FilesystemBlobStore({ root: tmpdir() }),
      intervalMs: 0,
      observer: runs.observingWorker(),
    });
    const workers = new WorkerRuntime(coordinator, [worker], runs.observingRuntime(worker.name));
    try {
      const gc = new GcService({
        reviews,
        collector: { workers, worker: worker.name, runs, intervalSeconds: 0 },
      });
      await expect(gc.runNow()).rejects.toBe(failure);
      expect((await gc.status()).worker?.lastRun).toMatchObject({ outcome: 'failed', linksRemoved: 0 });
    } finally {
      await workers.stop();
      await coordinator.close();
    }
  });
});

/** An image manifest whose config is `blobs[0]` and layers the rest. */
function imageManifest(blobs: BlobRecord[]): NewManifest {
  const [config, ...layers] = blobs.map(({ digest, size }) => ({ digest, size }));
  const payload = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: layers.map((layer) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer })),
    }),
  );
  return {
    digest: digestOf(payload.toString('utf8')),
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    payload,
    blobDigests: blobs.map((blob) => blob.digest),
    manifestDigests: [],
  };
}
