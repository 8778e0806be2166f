import { limitCephBucket, s3TestTarget } from '@berth/testing/s3';
import { stallProxyFor, type StallProxy } from '@berth/testing/stall-proxy';
import { pino } from 'pino';
import { setTimeout as sleep } from 'node:timers/promises';
import { OCI_MANIFEST, OciClient, randomBlob, sha256, uniqueRepo } from '../support/oci-client';
import { answerOf, type OutageAnswer } from '../support/outage-checks';
import { startTestRegistry, type BackendName, type TestRegistry } from '../support/test-registry';
import { reportTiming } from '../support/timings';
import { patchChunk, pullBlob, resumeOffset, startUpload } from '../support/upload-steps';

const MiB = 1024 * 1024;
// Each backend's deadline here: S3's request and Redis' command deadline, and the second after
// PostgreSQL's statement_timeout at which the registry stops waiting for an answer.
const DEADLINE_MS: Record<BackendName, number> = { blobs: 1_500, metadata: 2_000, coordinator: 1_500 };
// Above the deadline, for what else the request does and a loaded machine.
const MARGIN_MS = 1_000;

const STALLING_CONFIG = {
  blobs: { redirect: false, s3: { connectTimeoutSeconds: 1, requestTimeoutSeconds: 1.5 } },
  metadata: { postgres: { connectTimeoutSeconds: 1, statementTimeoutSeconds: 1 } },
  coordinator: { redis: { connectTimeoutSeconds: 1, commandTimeoutSeconds: 1.5 } },
  uploads: { janitorIntervalSeconds: 0 },
};

/** One line of the registry's log. */
type LogLine = { level: number; msg: string; err?: { message?: string }; res?: { statusCode?: number } };

/** Log lines of requests that failed other than with 503: each one is a request the registry could not handle. */
const failures = (lines: LogLine[]): LogLine[] =>
  lines.filter((line) => (line.res?.statusCode ?? 0) >= 500 && line.res?.statusCode !== 503);

/** A production-flavor registry, with what it logs kept and, optionally, its backends behind proxies. */
async function startWatchedRegistry(proxies?: Map<BackendName, StallProxy>) {
  const lines: LogLine[] = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => lines.push(JSON.parse(line) as LogLine) },
  );
  const registry = await startTestRegistry('production', STALLING_CONFIG, logger, async (backend, url) => {
    if (!proxies) return url;
    const proxied = await stallProxyFor(url);
    proxies.set(backend, proxied.proxy);
    return proxied.url;
  });
  return { registry, lines, client: new OciClient(registry.url) };
}

/** What /readyz said, and how long it took. */
async function readiness(
  url: string,
): Promise<{ status: number; checks: Record<string, string>; ms: number }> {
  const started = Date.now();
  const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(10_000) });
  const { checks } = (await res.json()) as { checks: Record<string, string> };
  return { status: res.status, checks, ms: Date.now() - started };
}

/** Polls /readyz until it answers 200; returns how long that took. */
async function untilReady(url: string, timeoutMs = 20_000): Promise<number> {
  const started = Date.now();
  while ((await readiness(url)).status !== 200) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`not ready ${timeoutMs} ms after the backend returned`);
    await sleep(100);
  }
  return Date.now() - started;
}

/** A 503 UNAVAILABLE with Retry-After, in time for `backend`'s deadline. */
function expectUnavailable(answer: OutageAnswer, backend: BackendName): void {
  expect({ outcome: answer.outcome, retryAfter: answer.retryAfter !== null }).toEqual({
    outcome: '503 UNAVAILABLE',
    retryAfter: true,
  });
  expect(answer.ms).toBeLessThan(DEADLINE_MS[backend] + MARGIN_MS);
}

describe('a stalled backend is answered with 503 within its deadline [production]', () => {
  const proxies = new Map<BackendName, StallProxy>();
  let registry: TestRegistry;
  let client: OciClient;
  let lines: LogLine[];
  beforeAll(async () => {
    ({ registry, lines, client } = await startWatchedRegistry(proxies));
  }, 300_000);
  afterEach(() => {
    for (const proxy of proxies.values()) proxy.thaw();
    expect(failures(lines)).toEqual([]);
  });
  afterAll(async () => {
    await registry?.stop();
    await Promise.all([...proxies.values()].map((proxy) => proxy.stop()));
  }, 60_000);

  const proxyOf = (backend: BackendName): StallProxy => {
    const proxy = proxies.get(backend);
    if (!proxy) throw new Error(`no proxy in front of ${backend}`);
    return proxy;
  };

  /** Freezes a backend, checks /readyz names it, and thaws it once `during` is done. */
  async function whileFrozen(backend: BackendName, during: () => Promise<void>): Promise<void> {
    proxyOf(backend).freeze();
    try {
      await during();
      const ready = await readiness(registry.url);
      expect(ready.status).toBe(503);
      expect(
        Object.entries(ready.checks)
          .filter(([, check]) => check !== 'ok')
          .map(([name]) => name),
      ).toEqual([backend]);
      expect(ready.ms).toBeLessThan(DEADLINE_MS[backend] + MARGIN_MS);
    } finally {
      proxyOf(backend).thaw();
    }
    reportTiming(`${backend} frozen: ready again after it thawed`, await untilReady(registry.url));
  }

  it('S3: pushes and pulls that need it answer 503; the upload resumes where it was acknowledged', async () => {
    const name = uniqueRepo('stalled-s3');
    const image = await client.pushImage(name, 'v1', { layers: [randomBlob(3 * MiB)] });
    const layer = image.layers[0] as Buffer;
    const upload = randomBlob(7 * MiB);
    const acknowledged = MiB;
    const location = await startUpload(client, name);
    expect((await patchChunk(client, location, upload.subarray(0, acknowledged), 0)).status).toBe(202);
    const whole = randomBlob(2 * MiB);
    const wholeLocation = await startUpload(client, name);

    await whileFrozen('blobs', async () => {
      const answers = {
        patch: await answerOf(`${registry.url}${location}`, {
          method: 'PATCH',
          headers: { 'Content-Range': `${acknowledged}-${upload.length - 1}` },
          body: upload.subarray(acknowledged),
        }),
        put: await answerOf(`${registry.url}${wholeLocation}?digest=${sha256(whole)}`, {
          method: 'PUT',
          body: whole,
        }),
        pull: await answerOf(`${registry.url}/v2/${name}/blobs/${sha256(layer)}`),
      };
      for (const answer of Object.values(answers)) expectUnavailable(answer, 'blobs');
      for (const [step, answer] of Object.entries(answers))
        reportTiming(`S3 frozen: ${step} answered after`, answer.ms);
    });

    const status = await client.request('GET', location);
    const offset = resumeOffset(status.headers.get('range'));
    expect(offset).toBe(acknowledged);
    expect((await patchChunk(client, location, upload.subarray(offset), offset)).status).toBe(202);
    expect((await client.request('PUT', `${location}?digest=${sha256(upload)}`)).status).toBe(201);
    expect((await pullBlob(client, name, sha256(upload))).equals(upload)).toBe(true);
    expect((await pullBlob(client, name, sha256(layer))).equals(layer)).toBe(true);
  }, 60_000);

  it('PostgreSQL: a manifest read it must answer and a manifest push answer 503; nothing is lost', async () => {
    const name = uniqueRepo('stalled-postgres');
    // Pushed, never read: no process holds it in its manifest cache.
    const image = await client.pushImage(name, 'v1');
    const next = await client.pushImage(name, 'v2');
    const retagged = Buffer.from(
      JSON.stringify({ ...JSON.parse(next.manifest.toString()), annotations: { n: '2' } }),
    );

    await whileFrozen('metadata', async () => {
      const answers = {
        'manifest by digest': await answerOf(`${registry.url}/v2/${name}/manifests/${image.digest}`, {
          headers: { Accept: OCI_MANIFEST },
        }),
        'manifest push': await answerOf(`${registry.url}/v2/${name}/manifests/v3`, {
          method: 'PUT',
          headers: { 'Content-Type': OCI_MANIFEST },
          body: retagged,
        }),
      };
      for (const answer of Object.values(answers)) expectUnavailable(answer, 'metadata');
      for (const [step, answer] of Object.entries(answers))
        reportTiming(`PostgreSQL frozen: ${step} answered after`, answer.ms);
    });

    const read = await client.request('GET', `/v2/${name}/manifests/${image.digest}`, {
      headers: { Accept: OCI_MANIFEST },
    });
    expect(Buffer.from(await read.arrayBuffer()).equals(image.manifest)).toBe(true);
    expect((await client.putManifest(name, 'v3', retagged)).status).toBe(201);
    const tagged = await client.request('GET', `/v2/${name}/manifests/v2`, {
      headers: { Accept: OCI_MANIFEST },
    });
    expect(Buffer.from(await tagged.arrayBuffer()).equals(next.manifest)).toBe(true);
  }, 60_000);

  it('Redis: starting an upload answers 503; uploads start again after', async () => {
    const name = uniqueRepo('stalled-redis');
    const image = await client.pushImage(name, 'v1');

    await whileFrozen('coordinator', async () => {
      const started = await answerOf(`${registry.url}/v2/${name}/blobs/uploads/`, { method: 'POST' });
      expectUnavailable(started, 'coordinator');
      reportTiming('Redis frozen: upload start answered after', started.ms);
    });

    const blob = randomBlob(4096);
    expect(await client.pushBlob(name, blob)).toBe(sha256(blob));
    for (const stored of [image.config, ...image.layers, blob]) {
      expect((await pullBlob(client, name, sha256(stored))).equals(stored)).toBe(true);
    }
  }, 60_000);
});

// Only a real S3 implementation has quotas; s3rver takes whatever it is given.
(s3TestTarget() === 'ceph' ? describe : describe.skip)(
  'Ceph refusing writes for lack of space [production]',
  () => {
    let registry: TestRegistry;
    let client: OciClient;
    let lines: LogLine[];
    beforeAll(async () => {
      ({ registry, lines, client } = await startWatchedRegistry());
    }, 300_000);
    afterAll(async () => {
      if (registry) await limitCephBucket(registry.config.blobs.s3?.bucket as string, undefined);
      await registry?.stop();
    }, 60_000);

    it('answers a push 503 at once, says why in one line, and keeps nothing of it', async () => {
      const name = uniqueRepo('quota');
      const image = await client.pushImage(name, 'v1');
      const storedBefore = await registry.listBlobStorage();
      const bucket = registry.config.blobs.s3?.bucket as string;
      // Smaller than any blob pushed below, so each of their writes is refused whatever Ceph counted.
      await limitCephBucket(bucket, 8 * 1024);

      // Small enough to be written whole before Ceph answers. Ceph says 100 Continue before it
      // checks the quota and resets a connection whose body it did not read, so a large body still
      // streaming when it refuses gets a reset instead of the refusal: a 503 too, without the reason.
      const whole = randomBlob(16 * 1024);
      const chunked = randomBlob(16 * 1024);
      const location = await startUpload(client, name);
      const answers = {
        'monolithic push': await answerOf(
          `${registry.url}/v2/${name}/blobs/uploads/?digest=${sha256(whole)}`,
          {
            method: 'POST',
            body: whole,
          },
        ),
        chunk: await answerOf(`${registry.url}${location}`, {
          method: 'PATCH',
          headers: { 'Content-Range': `0-${chunked.length - 1}` },
          body: chunked,
        }),
      };
      for (const answer of Object.values(answers)) {
        expect({ outcome: answer.outcome, retryAfter: answer.retryAfter !== null }).toEqual({
          outcome: '503 UNAVAILABLE',
          retryAfter: true,
        });
        // Refused, not stalled: no deadline is waited for.
        expect(answer.ms).toBeLessThan(MARGIN_MS);
      }
      for (const [step, answer] of Object.entries(answers))
        reportTiming(`bucket full: ${step} answered after`, answer.ms);
      const reasons = lines.filter((line) => /lack of space/.test(line.err?.message ?? ''));
      expect(reasons.map((line) => line.err?.message)).toEqual([
        expect.stringMatching(/refused the write for lack of space \(QuotaExceeded/),
        expect.stringMatching(/refused the write for lack of space \(QuotaExceeded/),
      ]);
      expect(failures(lines)).toEqual([]);

      // Nothing of either push can be pulled, and once the upload is cancelled nothing of it is stored.
      for (const blob of [whole, chunked]) {
        expect((await client.request('HEAD', `/v2/${name}/blobs/${sha256(blob)}`)).status).toBe(404);
      }
      expect((await client.request('DELETE', location)).status).toBe(204);
      // A failed append discards what it stored in the background.
      for (let tries = 0; tries < 50; tries++) {
        if (JSON.stringify(await registry.listBlobStorage()) === JSON.stringify(storedBefore)) break;
        await sleep(200);
      }
      expect(await registry.listBlobStorage()).toEqual(storedBefore);

      await limitCephBucket(bucket, undefined);
      expect(await client.pushBlob(name, whole)).toBe(sha256(whole));
      const manifest = await client.request('GET', `/v2/${name}/manifests/v1`, {
        headers: { Accept: OCI_MANIFEST },
      });
      expect(Buffer.from(await manifest.arrayBuffer()).equals(image.manifest)).toBe(true);
    }, 60_000);
  },
);
