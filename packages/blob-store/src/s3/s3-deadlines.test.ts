import { BackendUnavailableError } from '@berth/backend-errors';
import { startS3TestServer, type S3TestServer } from '@berth/testing/s3';
import { stallProxyFor, timeToFail, type StallProxy } from '@berth/testing/stall-proxy';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { bytes, digestOf, MiB, readObject, streamOf } from '../contract/test-data.contract';
import { S3BlobStore } from './s3-blob-store';

// Short, so that a test waits for a few of them; the margin covers a loaded machine.
const REQUEST_MS = 1_500;
const MARGIN_MS = 1_000;

let server: S3TestServer;
let proxy: StallProxy;
let store: S3BlobStore;
const prefix = `deadlines-${randomBytes(6).toString('hex')}`;

beforeAll(async () => {
  server = await startS3TestServer();
  const proxied = await stallProxyFor(server.endpoint);
  proxy = proxied.proxy;
  const { bucket, region, accessKeyId, secretAccessKey } = server;
  store = new S3BlobStore({
    bucket,
    region,
    accessKeyId,
    secretAccessKey,
    endpoint: proxied.url,
    forcePathStyle: true,
    prefix,
    connectTimeoutSeconds: REQUEST_MS / 1000,
    requestTimeoutSeconds: REQUEST_MS / 1000,
  });
}, 300_000);
afterEach(() => proxy.thaw());
afterAll(async () => {
  await store?.close();
  await proxy?.stop();
  await server?.stop();
});

/** A body that sends its first bytes, waits `pauseMs` as a slow client does, then sends the rest. */
function pausingStream(data: Buffer, pauseAt: number, pauseMs: number): Readable {
  return Readable.from(
    (async function* () {
      yield* streamOf(data.subarray(0, pauseAt));
      await sleep(pauseMs);
      yield* streamOf(data.subarray(pauseAt));
    })(),
    { objectMode: false },
  );
}

/** A call S3 kept waiting past its deadline fails as an outage, the deadline as its cause. */
function expectDeadlineOutage(error: Error): void {
  expect(error).toBeInstanceOf(BackendUnavailableError);
  expect((error.cause as Error).name).toBe('TimeoutError');
}

describe('S3 deadlines, through a proxy that can freeze the S3 server', () => {
  it('fails a call to a frozen endpoint within its deadline, and does not retry it', async () => {
    await store.checkHealth();
    proxy.freeze();
    const { ms, error } = await timeToFail(() => store.stat('some/key'));
    expectDeadlineOutage(error);
    expect(ms).toBeGreaterThanOrEqual(REQUEST_MS - 50);
    expect(ms).toBeLessThan(REQUEST_MS + MARGIN_MS);
  });

  it('fails a streamed write into a frozen endpoint within its deadline', async () => {
    const key = 'frozen/put';
    const data = bytes(6 * MiB);
    const writing = store.put(key, pausingStream(data, MiB, 300), data.length);
    await sleep(100);
    proxy.freeze();
    const { ms, error } = await timeToFail(() => writing);
    expectDeadlineOutage(error);
    expect(ms).toBeLessThan(300 + REQUEST_MS + MARGIN_MS);
    proxy.thaw();
    // Bytes already in the sockets may still reach S3 and complete the object: a request given up
    // on has an unknown outcome. What can never happen is a partial object, on an S3 that checks a
    // body against its Content-Length (s3rver stores a short body as the whole object).
    await sleep(500);
    if (server.kind !== 's3rver')
      expect([undefined, data.length]).toContainEqual((await store.stat(key))?.size);
    await store.delete(key);
  });

  it('fails a read whose bytes stop coming within its deadline', async () => {
    const key = 'frozen/read';
    // Far more than the sockets between S3 and the reader can hold, however fast loopback is.
    await store.put(key, streamOf(bytes(32 * MiB)), 32 * MiB);
    const { stream } = await store.read(key);
    const parts = stream[Symbol.asyncIterator]();
    // Frozen once the body has begun: whatever the sockets already hold arrives; then nothing does.
    await parts.next();
    proxy.freezeEstablished();
    const reading = (async () => {
      while (!(await parts.next()).done);
    })();
    const { ms, error } = await timeToFail(() => reading);
    expect(error.name).toBe('TimeoutError');
    expect(ms).toBeLessThan(REQUEST_MS + MARGIN_MS);
    proxy.thaw();
    await store.delete(key);
  });

  it('waits for a writer that pauses longer than the deadline: only S3 is timed', async () => {
    const key = 'slow/writer';
    const data = bytes(6 * MiB);
    await store.put(key, pausingStream(data, 2 * MiB, 2 * REQUEST_MS), data.length);
    expect(digestOf(await readObject(store, key))).toEqual(digestOf(data));
    const start = await store.startWrite('slow/append');
    const appended = await store.append(start, pausingStream(data, MiB, 2 * REQUEST_MS), data.length);
    await store.commitWrite(appended);
    expect(digestOf(await readObject(store, 'slow/append'))).toEqual(digestOf(data));
    await Promise.all([store.delete(key), store.delete('slow/append')]);
  }, 30_000);

  it('waits for a reader that pauses longer than the deadline', async () => {
    const key = 'slow/reader';
    const data = bytes(6 * MiB);
    await store.put(key, streamOf(data), data.length);
    const { stream } = await store.read(key);
    const parts: Buffer[] = [];
    for await (const part of stream) {
      if (parts.length === 1) await sleep(2 * REQUEST_MS);
      parts.push(part as Buffer);
    }
    expect(digestOf(Buffer.concat(parts))).toEqual(digestOf(data));
    await store.delete(key);
  }, 30_000);

  it('serves again once the endpoint thaws', async () => {
    proxy.freeze();
    await timeToFail(() => store.checkHealth());
    proxy.thaw();
    await store.checkHealth();
    expect(await server.listLeftovers(`${prefix}/`)).toEqual([]);
  });
});
