import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  deleteBucket,
  listUnderPrefix,
  testS3Client,
  type S3Endpoint,
  type S3TestServer,
} from './s3-test-server';

const UP_SCRIPT = resolve(__dirname, '../../../scripts/ceph-rgw/up.sh');
// Where up.sh and down.sh keep the cluster's settings, its configuration file among them.
const COMMON_SCRIPT = resolve(__dirname, '../../../scripts/ceph-rgw/common.sh');
const ADMIN_TIMEOUT_MS = 60_000;
const DAEMONS = ['ceph-mon', 'ceph-osd', 'radosgw'];
// A fresh cluster starts in about 8 s; a slow machine gets far more.
const START_TIMEOUT_MS = 240_000;

let running: Promise<S3Endpoint> | undefined;

/** True when this machine has the Ceph daemons that scripts/ceph-rgw/up.sh starts. */
export function cephInstalled(): boolean {
  const path = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  return DAEMONS.every((daemon) => path.some((folder) => isExecutable(join(folder, daemon))));
}

/**
 * A fresh bucket on the local Ceph RADOS Gateway, which is started (scripts/ceph-rgw/up.sh) unless
 * it already runs. The cluster stays up for later runs; scripts/ceph-rgw/down.sh stops it.
 */
export async function ensureCephS3(): Promise<S3TestServer> {
  running ??= startCluster();
  const endpoint = await running;
  const client = testS3Client(endpoint);
  const bucket = `berth-test-${randomBytes(6).toString('hex')}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    ...endpoint,
    kind: 'ceph',
    bucket,
    listLeftovers: (prefix) => listUnderPrefix(client, bucket, prefix, { uploads: true }),
    async stop() {
      try {
        await deleteBucket(client, bucket);
      } finally {
        client.destroy();
      }
    },
  };
}

/**
 * Caps the bytes a bucket of the running cluster may hold, as an operator's quota does, so that
 * writes past it are refused with QuotaExceeded; undefined lifts the cap.
 */
export async function limitCephBucket(bucket: string, maxBytes: number | undefined): Promise<void> {
  const scope = ['--quota-scope=bucket', `--bucket=${bucket}`];
  if (maxBytes === undefined) {
    await radosgwAdmin(['quota', 'disable', ...scope]);
    return;
  }
  await radosgwAdmin(['quota', 'set', ...scope, `--max-size=${maxBytes}`]);
  await radosgwAdmin(['quota', 'enable', ...scope]);
}

/** Runs radosgw-admin against the cluster up.sh started, with the configuration it wrote. */
async function radosgwAdmin(args: string[]): Promise<void> {
  const script = '. "$0" && exec radosgw-admin -c "$CONF" "$@"';
  await promisify(execFile)('bash', ['-c', script, COMMON_SCRIPT, ...args], { timeout: ADMIN_TIMEOUT_MS });
}

async function startCluster(): Promise<S3Endpoint> {
  const { stdout } = await promisify(execFile)('bash', [UP_SCRIPT], { timeout: START_TIMEOUT_MS });
  const settings = new Map(
    stdout
      .split('\n')
      .map((line) => line.split('='))
      .filter((pair): pair is [string, string] => pair.length === 2),
  );
  const setting = (name: string): string => {
    const value = settings.get(name);
    if (value === undefined) throw new Error(`${UP_SCRIPT} printed no ${name}`);
    return value;
  };
  return {
    endpoint: setting('S3_ENDPOINT'),
    region: setting('S3_REGION'),
    accessKeyId: setting('S3_ACCESS_KEY_ID'),
    secretAccessKey: setting('S3_SECRET_ACCESS_KEY'),
    forcePathStyle: true,
  };
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
