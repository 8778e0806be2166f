// Runs s3rver as a process of its own, so that its work does not share an event loop with the
// benchmark's clients. Prints {"port":N} on stdout once listening on 127.0.0.1.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';

async function main(): Promise<void> {
  const directory = process.env.BENCH_S3RVER_DIRECTORY;
  const buckets = (process.env.BENCH_S3RVER_BUCKETS ?? '').split(',').filter(Boolean);
  if (!directory || buckets.length === 0)
    throw new Error('BENCH_S3RVER_DIRECTORY and BENCH_S3RVER_BUCKETS are required');
  const s3rver = new S3rver({
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name, configs: [] })),
  });
  await s3rver.configureBuckets();
  const handle = s3rver.callback();
  const server = createServer((request, response) => {
    // s3rver has no AbortMultipartUpload; answer it the way S3 does so cancellations succeed.
    if (isAbortMultipartUpload(request)) response.writeHead(204).end();
    else handle(request, response);
  });
  server.keepAliveTimeout = 65_000;
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}

function isAbortMultipartUpload(request: IncomingMessage): boolean {
  return request.method === 'DELETE' && new URL(request.url ?? '/', 'http://s3').searchParams.has('uploadId');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
