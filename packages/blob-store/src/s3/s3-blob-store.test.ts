import { CreateMultipartUploadCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
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

function openStore(prefix: string): S3BlobStore {
  const { bucket, endpoint, region, forcePathStyle, accessKeyId, secretAccessKey } = server;
  // The smallest parts S3 allows put the most part boundaries in the fewest bytes.
  return new S3BlobStore({
    bucket,
    endpoint,
    region,
    forcePathStyle,
    accessKeyId,
    secretAccessKey,
    prefix,
    partSize: MIN_PART_SIZE,
  });
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
