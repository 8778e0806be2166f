import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { listUnderPrefix, testS3Client, type S3TestServer } from './s3-test-server';

const BUCKET = 'berth-test';
// s3rver's fixed credentials.
const ACCESS_KEY = 'S3RVER';

/**
 * Starts s3rver in this process on a free port of 127.0.0.1, over a fresh temporary folder, with
 * one bucket. s3rver cannot list multipart uploads, so listLeftovers sees objects only.
 */
export async function startS3rver(): Promise<S3TestServer> {
  const directory = await mkdtemp(join(tmpdir(), 'berth-s3rver-'));
  const s3rver = new S3rver({ silent: true, directory, configureBuckets: [{ name: BUCKET, configs: [] }] });
  await s3rver.configureBuckets();
  const handle = s3rver.callback();
  const server = createServer((request, response) => {
    // s3rver lacks AbortMultipartUpload; answering it as S3 does lets the code under test run its
    // real abort path. The parts stay in s3rver's folder, which stop() removes.
    if (isAbortMultipartUpload(request)) response.writeHead(204).end();
    else handle(request, response);
  });
  await listen(server);
  const endpoint = {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    accessKeyId: ACCESS_KEY,
    secretAccessKey: ACCESS_KEY,
    forcePathStyle: true as const,
  };
  const client = testS3Client(endpoint);
  return {
    ...endpoint,
    kind: 's3rver',
    bucket: BUCKET,
    listLeftovers: (prefix) => listUnderPrefix(client, BUCKET, prefix, { uploads: false }),
    async stop() {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
      await rm(directory, { recursive: true, force: true });
    },
  };
}

function isAbortMultipartUpload(request: IncomingMessage): boolean {
  return (
    request.method === 'DELETE' && new URL(request.url ?? '/', 'http://s3rver').searchParams.has('uploadId')
  );
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
}
