import { cephInstalled, ensureCephS3 } from './ceph-rgw';
import { startS3rver } from './s3rver';
import type { S3TestServer, S3TestTarget } from './s3-test-server';

export { cephInstalled, ensureCephS3, limitCephBucket } from './ceph-rgw';
export { startS3rver } from './s3rver';
export * from './s3-test-server';

const starters: Record<S3TestTarget, () => Promise<S3TestServer>> = {
  ceph: ensureCephS3,
  s3rver: startS3rver,
};

/**
 * The S3 server tests run against: BERTH_TEST_S3 (`ceph` or `s3rver`) when set, else the real Ceph
 * RADOS Gateway when its daemons are installed, else s3rver.
 */
export function s3TestTarget(): S3TestTarget {
  const chosen = process.env.BERTH_TEST_S3 ?? '';
  if (chosen === 'ceph' || chosen === 's3rver') return chosen;
  if (chosen !== '')
    throw new Error(`BERTH_TEST_S3 must be "ceph" or "s3rver", not ${JSON.stringify(chosen)}`);
  return cephInstalled() ? 'ceph' : 's3rver';
}

/** Starts (or joins) the S3 server that s3TestTarget() picks and gives the caller a bucket on it. */
export function startS3TestServer(target: S3TestTarget = s3TestTarget()): Promise<S3TestServer> {
  return starters[target]();
}
