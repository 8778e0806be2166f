// Imports of the testing package are relative: the soak script loads this file under plain node,
// where jest's @berth/testing alias does not exist.
import { Client } from 'pg';
import { createTestDatabase } from '../../../testing/src/postgres';
import { redisTestUrl, uniqueKeyPrefix } from '../../../testing/src/redis';
import { startS3TestServer } from '../../../testing/src/s3';
import type { S3TestServer } from '../../../testing/src/s3-test-server';

/** Backends to use instead of the shared test servers; whoever passes one also stops it. */
export interface BackendChoice {
  s3?: S3TestServer;
  /** A database URL on a PostgreSQL server of the test's own. */
  postgresUrl?: string;
  /** A Redis of the test's own. */
  redisUrl?: string;
}

/** The production backends that every process of a cluster shares. */
export interface ClusterBackends {
  /** BERTH_* settings pointing a process at these backends. */
  readonly env: Record<string, string>;
  readonly s3: S3TestServer;
  /** Runs a query on the registry's database, on a connection of its own. */
  query<Row>(text: string, params?: unknown[]): Promise<Row[]>;
  /** Every key in the bucket, with incomplete multipart uploads where the server can list them. */
  bucketKeys(): Promise<string[]>;
  /** Removes the database, bucket and keys that were made for the cluster. */
  stop(): Promise<void>;
}

/** Sets up a bucket, a database and a Redis key prefix of their own, on the shared test servers unless chosen. */
export async function startClusterBackends(choice: BackendChoice = {}): Promise<ClusterBackends> {
  const cleanups: (() => Promise<void>)[] = [];
  const cleanUp = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const s3 = choice.s3 ?? (await startS3TestServer());
    if (!choice.s3) cleanups.push(() => s3.stop());
    let postgresUrl = choice.postgresUrl;
    if (postgresUrl === undefined) {
      const database = await createTestDatabase();
      cleanups.push(() => database.drop());
      postgresUrl = database.url;
    }
    const env: Record<string, string> = {
      BERTH_BLOBS_DRIVER: 's3',
      BERTH_BLOBS_S3_BUCKET: s3.bucket,
      BERTH_BLOBS_S3_ENDPOINT: s3.endpoint,
      BERTH_BLOBS_S3_REGION: s3.region,
      BERTH_BLOBS_S3_FORCE_PATH_STYLE: 'true',
      BERTH_BLOBS_S3_ACCESS_KEY_ID: s3.accessKeyId,
      BERTH_BLOBS_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      BERTH_METADATA_DRIVER: 'postgres',
      BERTH_METADATA_POSTGRES_URL: postgresUrl,
      BERTH_METADATA_POSTGRES_POOL_SIZE: '10',
      BERTH_COORDINATOR_DRIVER: 'redis',
      BERTH_COORDINATOR_REDIS_URL: choice.redisUrl ?? redisTestUrl(),
      BERTH_COORDINATOR_REDIS_KEY_PREFIX: uniqueKeyPrefix('cluster'),
    };
    const url = postgresUrl;
    return {
      env,
      s3,
      async query<Row>(text: string, params: unknown[] = []) {
        const client = new Client({ connectionString: url });
        await client.connect();
        try {
          return (await client.query(text, params)).rows as Row[];
        } finally {
          await client.end();
        }
      },
      bucketKeys: () => s3.listLeftovers(''),
      stop: cleanUp,
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
