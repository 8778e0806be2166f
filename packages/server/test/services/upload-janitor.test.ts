import { pino } from 'pino';
import { openRegistry, type Registry } from '../../src/registry';
import { errorCodeOf, OciClient, randomBlob, sha256, uniqueRepo } from '../support/oci-client';
import { describeEachFlavor, startTestRegistry, type TestRegistry } from '../support/test-registry';

const MiB = 1024 * 1024;
const TTL_SECONDS = 2;
// Past the TTL, plus the second that S3 rounds its times down to.
const EXPIRY_WAIT_MS = TTL_SECONDS * 1000 + 1200;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts an upload and sends `data` in one PATCH unless it is empty; returns its id and URL. */
async function startUpload(client: OciClient, name: string, data: Buffer) {
  const started = await client.request('POST', `/v2/${name}/blobs/uploads/`);
  expect(started.status).toBe(202);
  const location = started.headers.get('location') as string;
  if (data.length > 0) {
    const patched = await client.request('PATCH', location, {
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `0-${data.length - 1}` },
      body: data,
    });
    expect(patched.status).toBe(202);
  }
  return { id: location.slice(location.lastIndexOf('/') + 1), location };
}

/** What blob storage holds of an upload: its staged bytes, multipart upload or object. */
async function storedOf(registry: TestRegistry, id: string): Promise<string[]> {
  return (await registry.listBlobStorage()).filter((path) => path.includes(id));
}

async function discardedMetric(client: OciClient): Promise<number> {
  const text = await (await client.request('GET', '/metrics')).text();
  return Number(/^berth_upload_janitor_discarded_total (\d+)$/m.exec(text)?.[1]);
}

describeEachFlavor(
  'upload janitor',
  (started) => {
    let registry: TestRegistry;
    let client: OciClient;
    beforeAll(() => {
      registry = started();
      client = new OciClient(registry.url);
    });

    it('discards the bytes of uploads whose sessions expired', async () => {
      const name = uniqueRepo();
      const uploads = await Promise.all(
        [0, 1 * MiB, 6 * MiB + 3].map((size) => startUpload(client, name, randomBlob(size))),
      );
      // The first received no bytes, so it may have stored nothing.
      const withBytes = uploads.slice(1);
      for (const upload of withBytes) expect(await storedOf(registry, upload.id)).not.toEqual([]);
      await sleep(EXPIRY_WAIT_MS);

      const discarded = await registry.running.registry.janitor.sweep();
      expect(discarded).toBeGreaterThanOrEqual(withBytes.length);
      for (const upload of uploads) {
        expect(await storedOf(registry, upload.id)).toEqual([]);
        const status = await client.request('GET', upload.location);
        expect(status.status).toBe(404);
        expect(await errorCodeOf(status)).toBe('BLOB_UPLOAD_UNKNOWN');
      }
      expect(await discardedMetric(client)).toBeGreaterThanOrEqual(discarded);
      await expect(registry.running.registry.janitor.sweep()).resolves.toBe(0);
    });

    it('keeps uploads in progress and blobs already stored', async () => {
      const name = uniqueRepo();
      const whole = randomBlob(6 * MiB);
      await client.pushBlob(name, whole);
      const chunked = randomBlob(6 * MiB + 5);
      const done = await startUpload(client, name, chunked.subarray(0, chunked.length - 5));
      const completion = await client.request('PUT', `${done.location}?digest=${sha256(chunked)}`, {
        headers: {
          'Content-Type': 'application/octet-stream',
          'Content-Range': `${chunked.length - 5}-${chunked.length - 1}`,
        },
        body: chunked.subarray(chunked.length - 5),
      });
      expect(completion.status).toBe(201);
      const active = await startUpload(client, name, randomBlob(6 * MiB));

      // However old the sweep finds the write in progress, its live session keeps it.
      await expect(registry.running.registry.janitor.sweep(new Date(Date.now() + 3_600_000))).resolves.toBe(
        0,
      );

      const status = await client.request('GET', active.location);
      expect(status.status).toBe(204);
      expect(status.headers.get('range')).toBe(`0-${6 * MiB - 1}`);
      for (const blob of [whole, chunked]) {
        const pulled = await client.request('GET', `/v2/${name}/blobs/${sha256(blob)}`, { follow: true });
        expect(pulled.status).toBe(200);
        expect(sha256(Buffer.from(await pulled.arrayBuffer()))).toBe(sha256(blob));
      }
      expect(await client.request('DELETE', active.location)).toMatchObject({ status: 204 });
    });
  },
  { uploads: { sessionTtlSeconds: TTL_SECONDS, janitorIntervalSeconds: 0 } },
);

describeEachFlavor(
  'upload janitor on a timer',
  (started) => {
    it('sweeps every janitorIntervalSeconds', async () => {
      const registry = started();
      const client = new OciClient(registry.url);
      const upload = await startUpload(client, uniqueRepo(), randomBlob(6 * MiB));
      const deadline = Date.now() + 20_000;
      while ((await storedOf(registry, upload.id)).length > 0 && Date.now() < deadline) await sleep(200);
      expect(await storedOf(registry, upload.id)).toEqual([]);
      expect(await discardedMetric(client)).toBeGreaterThanOrEqual(1);
    });
  },
  { uploads: { sessionTtlSeconds: TTL_SECONDS, janitorIntervalSeconds: 0.2 } },
);

describe('upload janitors of two processes [production]', () => {
  let registry: TestRegistry;
  let client: OciClient;
  let other: Registry;
  beforeAll(async () => {
    registry = await startTestRegistry('production', {
      uploads: { sessionTtlSeconds: TTL_SECONDS, janitorIntervalSeconds: 0 },
    });
    client = new OciClient(registry.url);
    // A second process on the same backends.
    other = await openRegistry(registry.config, pino({ level: 'silent' }));
  }, 120_000);
  afterAll(async () => {
    await other?.close();
    await registry?.stop();
  }, 60_000);

  async function abandonUploads(count: number) {
    const name = uniqueRepo();
    const sizes = Array.from({ length: count }, (_, index) => (index % 2 === 0 ? 1 * MiB : 6 * MiB));
    const uploads = await Promise.all(sizes.map((size) => startUpload(client, name, randomBlob(size))));
    await sleep(EXPIRY_WAIT_MS);
    return uploads;
  }

  async function expectGone(uploads: { id: string }[]): Promise<void> {
    for (const { id } of uploads) expect(await storedOf(registry, id)).toEqual([]);
  }

  it('both succeed when they sweep at once, and leave nothing', async () => {
    const uploads = await abandonUploads(6);
    const { janitor } = registry.running.registry;
    const counts = await Promise.all([janitor.sweep(), other.janitor.sweep(), janitor.sweep()]);
    // A write both found may count twice; none may be missed.
    expect(counts.reduce((sum, count) => sum + count, 0)).toBeGreaterThanOrEqual(uploads.length);
    await expectGone(uploads);
  });

  it('take turns through the worker lease', async () => {
    const uploads = await abandonUploads(2);
    const { coordinator } = registry.running.registry.backends;
    const lock = await coordinator.acquireLock('worker:upload-janitor', 30_000);
    if (!lock) throw new Error('the janitor lease is taken');
    try {
      await expect(other.workers.runOnce('upload-janitor')).resolves.toEqual({ outcome: 'busy', items: 0 });
      for (const { id } of uploads) expect(await storedOf(registry, id)).not.toEqual([]);
    } finally {
      await coordinator.releaseLock(lock);
    }
    await expect(other.workers.runOnce('upload-janitor')).resolves.toEqual({
      outcome: 'done',
      items: uploads.length,
    });
    await expectGone(uploads);
  });
});
