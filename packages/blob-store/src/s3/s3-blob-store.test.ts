import {
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { s3TestTarget, startS3TestServer, testS3Client, type S3TestServer } from '@berth/testing/s3';
import { randomBytes } from 'node:crypto';
import type { PendingWrite } from '../blob-store';
import { describeBlobStoreContract } from '../contract/blob-store.contract';
import { bytes, digestOf, MiB, readObject, streamOf } from '../contract/test-data.contract';
import { MIN_PART_SIZE } from './s3-limits';
import { S3Layout, uploadMarkerName } from './s3-layout';
import { S3BlobStore } from './s3-blob-store';

const target = s3TestTarget();
let server: S3TestServer;
beforeAll(async () => {
  server = await startS3TestServer(target);
}, 300_000);
afterAll(async () => {
  await server?.stop();
});

const newPrefix = (): string => `store-${randomBytes(6).toString('hex')}`;

function openStore(prefix: string | undefined): S3BlobStore {
  const { bucket, endpoint, region, forcePathStyle, accessKeyId, secretAccessKey } = server;
  // The smallest parts S3 allows put the most part boundaries in the fewest bytes, and pages of
  // two entries make every listing of a few objects cross pages.
  return new S3BlobStore(
    {
      bucket,
      endpoint,
      region,
      forcePathStyle,
      accessKeyId,
      secretAccessKey,
      prefix,
      partSize: MIN_PART_SIZE,
    },
    { listPageSize: 2 },
  );
}

describeBlobStoreContract(
  `s3 on ${target}`,
  async () => {
    const prefix = newPrefix();
    const store = openStore(prefix);
    return {
      store,
      openPeer: () => openStore(prefix),
      listStored: () => server.listLeftovers(`${prefix}/`),
      cleanup: () => store.close(),
    };
  },
  // s3rver serves the whole object for `Range: bytes=0-0`; Ceph and S3 serve the byte.
  { firstByteRange: target === 's3rver' },
);

// What a process that dies at the wrong moment leaves, which the contract cannot produce.
describe(`S3 pending writes left by a crash, on ${target}`, () => {
  let prefix: string;
  let layout: S3Layout;
  let store: S3BlobStore;
  let client: S3Client;

  beforeEach(() => {
    prefix = newPrefix();
    layout = new S3Layout(prefix);
    store = openStore(prefix);
    client = testS3Client(server);
  });
  afterEach(async () => {
    try {
      expect(await server.listLeftovers(`${prefix}/`)).toEqual([]);
    } finally {
      await store.close();
      client.destroy();
    }
  });

  async function pendingNow(): Promise<PendingWrite[]> {
    const found: PendingWrite[] = [];
    // Past the second the bucket rounds its times down to.
    for await (const write of store.listWrites(new Date(Date.now() + 1100))) found.push(write);
    return found;
  }

  // s3rver cannot list multipart uploads; S3, MinIO and Ceph can.
  (target === 's3rver' ? it.skip : it)(
    'finds and aborts a multipart upload that no write recorded',
    async () => {
      const key = 'orphan/upload';
      await client.send(
        new CreateMultipartUploadCommand({ Bucket: server.bucket, Key: layout.objectKey(key) }),
      );
      const pending = await pendingNow();
      expect(pending.map((write) => write.key)).toEqual([key]);
      await pending[0]?.discard();
      await pending[0]?.discard();
    },
  );

  it('keeps the object of a write whose commit completed its upload and stopped', async () => {
    const data = bytes(7 * MiB);
    const start = await store.startWrite('crashed/commit');
    const write = await store.append(start, streamOf(data), data.length);
    await store.commitWrite(write);
    const { id, uploadId } = write.adapter;
    if (typeof id !== 'string' || typeof uploadId !== 'string') throw new Error('unexpected write state');
    // The record of the completed upload, as if the commit had not got as far as removing it.
    await client.send(
      new PutObjectCommand({
        Bucket: server.bucket,
        Key: layout.stagedKey(id, write.key, uploadMarkerName(uploadId)),
        Body: Buffer.alloc(0),
      }),
    );

    const pending = await pendingNow();
    expect(pending.map((found) => found.key)).toEqual([write.key]);
    await pending[0]?.discard();
    expect(digestOf(await readObject(store, write.key))).toEqual(digestOf(data));
    await store.delete(write.key);
  });
});

// What else may lie in the bucket, which a listing must not take for the store's objects.
describe(`S3 object listings, on ${target}`, () => {
  let client: S3Client;
  beforeEach(() => {
    client = testS3Client(server);
  });
  afterEach(() => {
    client.destroy();
  });

  async function keysOf(store: S3BlobStore): Promise<string[]> {
    const keys: string[] = [];
    for await (const { key } of store.listObjects('')) keys.push(key);
    return keys;
  }

  it('asks for a page at a time, of the size it was given', async () => {
    const store = openStore(newPrefix());
    const keys = ['a', 'b', 'c', 'd', 'e'];
    const send = jest.spyOn(S3Client.prototype, 'send');
    try {
      await Promise.all(keys.map((key) => store.put(key, streamOf(bytes(1)), 1)));
      send.mockClear();
      expect(await keysOf(store)).toEqual(keys);
      const pages = send.mock.calls
        .map(([command]) => command)
        .filter((command) => command instanceof ListObjectsV2Command);
      expect(pages.map((page) => page.input.MaxKeys)).toEqual([2, 2, 2]);
      await Promise.all(keys.map((key) => store.delete(key)));
    } finally {
      send.mockRestore();
      await store.close();
    }
  });

  it.each([
    ['with a prefix', newPrefix()],
    ['without a prefix', undefined],
  ])("give the store's own keys, %s, and nothing else", async (_label, prefix) => {
    const store = openStore(prefix);
    const layout = new S3Layout(prefix);
    const others = [
      // Under objects/ but no key: written by hand, or a console's folder marker.
      `${layout.objectsFolder}not a key`,
      `${layout.objectsFolder}folder/`,
      // Beside objects/: what another store keeps, whose prefix starts as this one's does.
      `${prefix ?? ''}x/objects/a`,
      `${prefix === undefined ? '' : `${prefix}/`}objects-x/a`,
    ];
    try {
      await Promise.all(
        others.map((Key) => client.send(new PutObjectCommand({ Bucket: server.bucket, Key, Body: 'x' }))),
      );
      await store.put('a', streamOf(bytes(1)), 1);
      // A write with a multipart upload under objects/ and a record of it in staging/.
      const started = await store.startWrite('b');
      const write = await store.append(started, streamOf(bytes(MIN_PART_SIZE + 1)), MIN_PART_SIZE + 1);

      expect(await keysOf(store)).toEqual(['a']);
      await store.abortWrite(write);
      await store.delete('a');
    } finally {
      await Promise.all(
        others.map((Key) => client.send(new DeleteObjectCommand({ Bucket: server.bucket, Key }))),
      );
      await store.close();
    }
  });
});
