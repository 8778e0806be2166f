import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { cleanEnv } from '../process/child';
import { announcedPort, startScript } from './node-script';

/** s3rver's fixed credentials. */
const S3RVER_KEY = 'S3RVER';

export const BUCKETS = {
  berth: 'berth-bench',
  distribution: 'distribution-bench',
  raw: 'raw-bench',
} as const;

/** An s3rver process on a random port of 127.0.0.1 over a fresh folder. */
export interface S3rverInstance {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  pid: number;
  /** A client configured as Berth's S3 adapter configures its own. */
  client(): S3Client;
  stop(): Promise<void>;
}

export async function startS3rver(): Promise<S3rverInstance> {
  const directory = await mkdtemp(join(tmpdir(), 'berth-bench-s3rver-'));
  const child = startScript('s3rver-main.ts', {
    ...cleanEnv(/^(AWS_|BERTH_)/),
    BENCH_S3RVER_DIRECTORY: directory,
    BENCH_S3RVER_BUCKETS: Object.values(BUCKETS).join(','),
  });
  try {
    const port = await announcedPort(child, 's3rver');
    const endpoint = `http://127.0.0.1:${port}`;
    return {
      endpoint,
      region: 'us-east-1',
      accessKeyId: S3RVER_KEY,
      secretAccessKey: S3RVER_KEY,
      pid: child.pid,
      client: () =>
        new S3Client({
          endpoint,
          region: 'us-east-1',
          forcePathStyle: true,
          credentials: { accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY },
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }),
      async stop() {
        await child.stop();
        await rm(directory, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await child.stop();
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
}
