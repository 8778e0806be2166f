import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { answerMissingMultipartCall, listen } from './s3rver';
import { listUnderPrefix, testS3Client, type S3TestServer } from './s3-test-server';

const BUCKET = 'berth-test';
// s3rver's fixed credentials.
const ACCESS_KEY = 'S3RVER';

/** An s3rver whose endpoint can go away and come back on the same port with the same objects. */
export interface RestartableS3rver extends S3TestServer {
  /** Cuts every open connection and stops listening; the objects stay on disk. */
  halt(): Promise<void>;
  /** Listens again on the same port over the same folder; no-op when serving. */
  resume(): Promise<void>;
}

/**
 * Starts s3rver in this process on 127.0.0.1:`port` over a fresh temporary folder, with one bucket,
 * for tests of an S3 outage. Like startS3rver, it lists no multipart uploads.
 */
export async function startRestartableS3rver({ port }: { port: number }): Promise<RestartableS3rver> {
  const directory = await mkdtemp(join(tmpdir(), 'berth-s3rver-'));
  const s3rver = new S3rver({ silent: true, directory, configureBuckets: [{ name: BUCKET, configs: [] }] });
  await s3rver.configureBuckets();
  const handle = s3rver.callback();
  let server: Server | undefined;

  const resume = async (): Promise<void> => {
    if (server) return;
    const next = createServer((request, response) => {
      if (!answerMissingMultipartCall(request, response)) handle(request, response);
    });
    await listen(next, port);
    server = next;
  };
  const halt = async (): Promise<void> => {
    const current = server;
    server = undefined;
    if (!current) return;
    const closed = new Promise<void>((resolve, reject) =>
      current.close((error) => (error ? reject(error) : resolve())),
    );
    current.closeAllConnections();
    await closed;
  };

  await resume();
  const endpoint = {
    endpoint: `http://127.0.0.1:${port}`,
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
    halt,
    resume,
    async stop() {
      client.destroy();
      await halt();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
