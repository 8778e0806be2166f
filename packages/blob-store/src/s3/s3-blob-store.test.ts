import { s3TestTarget, startS3TestServer, type S3TestServer } from '@berth/testing/s3';
import { randomBytes } from 'node:crypto';
import { describeBlobStoreContract } from '../contract/blob-store.contract';
import { MIN_PART_SIZE } from './s3-limits';
import { S3BlobStore } from './s3-blob-store';

const target = s3TestTarget();
let server: S3TestServer;
beforeAll(async () => {
  server = await startS3TestServer(target);
}, 300_000);
afterAll(async () => {
  await server?.stop();
});

describeBlobStoreContract(
  `s3 on ${target}`,
  async () => {
    const prefix = `store-${randomBytes(6).toString('hex')}`;
    const { bucket, endpoint, region, forcePathStyle, accessKeyId, secretAccessKey } = server;
    const options = { bucket, endpoint, region, forcePathStyle, accessKeyId, secretAccessKey, prefix };
    // The smallest parts S3 allows put the most part boundaries in the fewest bytes.
    const open = (): S3BlobStore => new S3BlobStore({ ...options, partSize: MIN_PART_SIZE });
    const store = open();
    return {
      store,
      openPeer: open,
      listStored: () => server.listLeftovers(`${prefix}/`),
      cleanup: () => store.close(),
    };
  },
  // s3rver serves the whole object for `Range: bytes=0-0`; Ceph and S3 serve the byte.
  { firstByteRange: target === 's3rver' },
);
