import { setTimeout as sleep } from 'node:timers/promises';
import { OciClient, randomBlob, sha256, uniqueRepo } from '../support/oci-client';
import { RawConnection, requestHead } from '../support/raw-http';
import { pino } from 'pino';
import { describeEachFlavor, FLAVORS, startTestRegistry, type TestRegistry } from '../support/test-registry';
import { patchChunk, pullBlob, resumeOffset, startUpload } from '../support/upload-steps';

const DECLARED = 8 * 1024 * 1024;
const SENT = 64 * 1024;
const OCTETS = { 'Content-Type': 'application/octet-stream' };

/** Sends a request head and part of its body, then resets the connection after `resetAfterMs`. */
async function resetMidRequest(url: string, head: string, sent: Buffer, resetAfterMs: number): Promise<void> {
  const connection = await RawConnection.open(url);
  await connection.write(head);
  await connection.write(sent);
  await sleep(resetAfterMs);
  connection.reset();
}

/**
 * Sends a chunk once the upload's lock is free: the handler of a request whose client reset may
 * still be unwinding, and meanwhile the upload answers 416 as if the chunk were out of order.
 */
async function patchWhenFree(client: OciClient, location: string, bytes: Buffer, start: number) {
  for (let attempt = 0; ; attempt++) {
    const res = await patchChunk(client, location, bytes, start);
    if (res.status !== 416 || attempt === 50) return res;
    await res.arrayBuffer();
    await sleep(100);
  }
}

// Every case ends with the registry still serving: a request whose client misbehaves ends that
// one request. An error that escaped would fail the whole file, as jest reports it.
describeEachFlavor('connections that break mid-request', (registry) => {
  let client: OciClient;
  beforeAll(() => {
    client = new OciClient(registry().url);
  });

  it.each([0, 2, 10, 50, 300])(
    'a PATCH reset %i ms after part of its body fails alone, and the upload goes on',
    async (resetAfterMs) => {
      const name = uniqueRepo();
      const location = await startUpload(client, name);
      const head = requestHead('PATCH', location, { ...OCTETS, 'Content-Length': DECLARED });
      await resetMidRequest(registry().url, head, randomBlob(SENT), resetAfterMs);

      const data = randomBlob(100_000);
      const patched = await patchWhenFree(client, location, data, 0);
      expect(patched.status).toBe(202);
      expect(resumeOffset(patched.headers.get('range'))).toBe(data.length);
      const put = await client.request('PUT', `${location}?digest=${sha256(data)}`);
      expect(put.status).toBe(201);
      expect((await pullBlob(client, name, sha256(data))).equals(data)).toBe(true);
    },
  );

  it.each([
    ['a completing PUT', async (name: string) => `${await startUpload(client, name)}?digest=`],
    ['a monolithic POST', (name: string) => Promise.resolve(`/v2/${name}/blobs/uploads/?digest=`)],
  ])('%s reset midway stores nothing', async (_kind, target) => {
    const name = uniqueRepo();
    const data = randomBlob(DECLARED);
    const method = _kind.includes('PUT') ? 'PUT' : 'POST';
    const path = `${await target(name)}${sha256(data)}`;
    const head = requestHead(method, path, { ...OCTETS, 'Content-Length': data.length });
    await resetMidRequest(registry().url, head, data.subarray(0, SENT), 20);
    await sleep(200);
    expect((await client.request('HEAD', `/v2/${name}/blobs/${sha256(data)}`)).status).toBe(404);
    // The same blob pushed properly afterwards is stored whole.
    expect(await client.pushBlob(name, data)).toBe(sha256(data));
    expect((await pullBlob(client, name, sha256(data))).equals(data)).toBe(true);
  });

  it('a manifest PUT reset midway stores nothing', async () => {
    const name = uniqueRepo();
    const head = requestHead('PUT', `/v2/${name}/manifests/cut`, {
      'Content-Type': 'application/vnd.oci.image.manifest.v1+json',
      'Content-Length': 2_000,
    });
    await resetMidRequest(registry().url, head, Buffer.from('{"schemaVersion":2,'), 20);
    await sleep(100);
    expect((await client.request('GET', `/v2/${name}/manifests/cut`)).status).toBe(404);
  });

  it('a PATCH with broken chunked framing is refused, and the upload goes on', async () => {
    const name = uniqueRepo();
    const location = await startUpload(client, name);
    const connection = await RawConnection.open(registry().url);
    await connection.write(requestHead('PATCH', location, { ...OCTETS, 'Transfer-Encoding': 'chunked' }));
    await connection.write('10\r\n0123456789abcdef\r\nzz\r\n');
    const outcome = await connection.outcome();
    expect(outcome.status).toBe(400);

    const data = randomBlob(1_000);
    expect((await patchWhenFree(client, location, data, 0)).status).toBe(202);
    expect((await client.request('PUT', `${location}?digest=${sha256(data)}`)).status).toBe(201);
  });

  it('a pull reset midway leaves the blob whole for the next', async () => {
    const name = uniqueRepo();
    const data = randomBlob(DECLARED);
    const digest = await client.pushBlob(name, data);
    for (const resetAfterMs of [0, 5, 50]) {
      const connection = await RawConnection.open(registry().url);
      await connection.write(requestHead('GET', `/v2/${name}/blobs/${digest}`, {}));
      await sleep(resetAfterMs);
      connection.reset();
    }
    expect((await pullBlob(client, name, digest)).equals(data)).toBe(true);
  });
});

describe.each(FLAVORS)('a client that goes away [%s]', (flavor) => {
  const lines: { level: number; msg: string }[] = [];
  let registry: TestRegistry;
  beforeAll(async () => {
    const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    registry = await startTestRegistry(flavor, {}, logger);
  }, 120_000);
  afterAll(() => registry.stop());

  it('is logged as a client abort at debug level, never as a backend outage', async () => {
    const client = new OciClient(registry.url);
    const location = await startUpload(client, uniqueRepo());
    const head = requestHead('PATCH', location, { ...OCTETS, 'Content-Length': DECLARED });
    const before = lines.length;
    await resetMidRequest(registry.url, head, randomBlob(SENT), 20);
    const since = () => lines.slice(before);
    const isAbort = (line: { msg: string }) => /client went away/.test(line.msg);
    for (let waited = 0; !since().some(isAbort) && waited < 5_000; waited += 50) await sleep(50);
    expect(
      since()
        .filter(isAbort)
        .map((line) => line.level),
    ).toEqual([20]);
    expect(
      since()
        .filter((line) => line.level >= 40)
        .map((line) => line.msg),
    ).toEqual([]);
  });
});

describe('connection timeouts', () => {
  const SETTING_MS = 2_000;
  // Node checks headers timeouts every half second here; the rest is scheduling on a busy machine.
  const LATENESS_MS = 1_500;
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startTestRegistry('embedded', {
      http: { headersTimeoutSeconds: SETTING_MS / 1000, idleTimeoutSeconds: SETTING_MS / 1000 },
    });
  }, 60_000);
  afterAll(() => registry.stop());

  it('closes a connection whose headers trickle in, soon after headersTimeoutSeconds', async () => {
    const connection = await RawConnection.open(registry.url);
    // One byte every 200 ms keeps the connection busy, so only the headers timeout can end it.
    void connection.dribble(`GET /v2/ HTTP/1.1\r\nHost: registry\r\nX-Slow: ${'a'.repeat(200)}`, 200);
    const { elapsedMs } = await connection.outcome(SETTING_MS + 10_000);
    expect(elapsedMs).toBeGreaterThanOrEqual(SETTING_MS - 50);
    expect(elapsedMs).toBeLessThan(SETTING_MS + LATENESS_MS);
  });

  it('closes an upload whose bytes stop moving, soon after idleTimeoutSeconds', async () => {
    const location = await startUpload(new OciClient(registry.url), uniqueRepo());
    const connection = await RawConnection.open(registry.url);
    await connection.write(requestHead('PATCH', location, { ...OCTETS, 'Content-Length': DECLARED }));
    await connection.write(randomBlob(SENT));
    const stalledAt = performance.now();
    await connection.outcome(SETTING_MS + 10_000);
    const idleMs = performance.now() - stalledAt;
    expect(idleMs).toBeGreaterThanOrEqual(SETTING_MS - 50);
    expect(idleMs).toBeLessThan(SETTING_MS + LATENESS_MS);
  });
});
