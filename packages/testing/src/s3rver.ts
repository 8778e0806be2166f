import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { listUnderPrefix, testS3Client, type S3TestServer } from './s3-test-server';

const BUCKET = 'berth-test';
// s3rver's fixed credentials.
const ACCESS_KEY = 'S3RVER';
const EMPTY_UPLOAD_LIST =
  '<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
  '<IsTruncated>false</IsTruncated></ListMultipartUploadsResult>';

/**
 * Starts s3rver in this process on a free port of 127.0.0.1, over a fresh temporary folder, with
 * one bucket. s3rver cannot list multipart uploads, so listLeftovers sees objects only, and
 * ListMultipartUploads always answers that there are none.
 */
export async function startS3rver(): Promise<S3TestServer> {
  const directory = await mkdtemp(join(tmpdir(), 'berth-s3rver-'));
  const s3rver = new S3rver({ silent: true, directory, configureBuckets: [{ name: BUCKET, configs: [] }] });
  await s3rver.configureBuckets();
  const handle = s3rver.callback();
  const server = createServer((request, response) => {
    if (!answerMissingMultipartCall(request, response)) handle(request, response);
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

/**
 * Answers the multipart calls s3rver lacks as S3 does when they find nothing to do, so the code
 * under test runs its real paths: AbortMultipartUpload (the parts stay in s3rver's folder, which
 * stop() removes) and ListMultipartUploads (an empty list). False for any other request.
 */
export function answerMissingMultipartCall(request: IncomingMessage, response: ServerResponse): boolean {
  if (isAbortMultipartUpload(request)) {
    response.writeHead(204).end();
    return true;
  }
  if (request.method === 'GET' && queryOf(request).has('uploads')) {
    response.writeHead(200, { 'Content-Type': 'application/xml' }).end(EMPTY_UPLOAD_LIST);
    return true;
  }
  return false;
}

/** True for AbortMultipartUpload, which s3rver lacks and its callers answer themselves. */
export function isAbortMultipartUpload(request: IncomingMessage): boolean {
  return request.method === 'DELETE' && queryOf(request).has('uploadId');
}

function queryOf(request: IncomingMessage): URLSearchParams {
  return new URL(request.url ?? '/', 'http://s3rver').searchParams;
}

/** Listens on `port` of 127.0.0.1 (any free one by default). */
export function listen(server: Server, port = 0): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}
