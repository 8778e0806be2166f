import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient } from '../oci/registry-client';
import { cleanEnv, startChild, waitForHttp } from '../process/child';
import { freePort } from '../process/ports';
import { distributionTagSeeder } from './distribution-tags';
import type { RegistryTarget, Storage } from './registry-target';
import { BUCKETS, type S3rverInstance } from './s3rver';

export const DISTRIBUTION_BINARY = process.env.BENCH_DISTRIBUTION_BINARY ?? '/usr/bin/docker-registry';

export interface DistributionOptions {
  storage: Storage;
  s3?: S3rverInstance;
}

/**
 * Starts CNCF Distribution (Debian's docker-registry) with a generated configuration: filesystem
 * storage in a temporary folder or S3 storage on s3rver, deletes enabled, the in-memory blob
 * descriptor cache its sample configuration ships with, log level warn, no access log.
 */
export async function startDistribution(options: DistributionOptions): Promise<RegistryTarget> {
  await access(DISTRIBUTION_BINARY).catch(() => {
    throw new Error(
      `CNCF Distribution is not at ${DISTRIBUTION_BINARY}: install Debian's docker-registry package ` +
        '(apt-get install docker-registry) or set BENCH_DISTRIBUTION_BINARY',
    );
  });
  const id = `distribution-${options.storage}`;
  const folder = await mkdtemp(join(tmpdir(), 'berth-bench-distribution-'));
  const dataRoot = join(folder, 'data');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const configFile = join(folder, 'config.yml');
  await writeFile(configFile, configuration(options, dataRoot, port));
  // Its S3 driver (the Go SDK) reads AWS_* variables, AWS_CA_BUNDLE among them.
  const child = startChild(DISTRIBUTION_BINARY, ['serve', configFile], cleanEnv(/^(AWS_|REGISTRY_)/), folder);
  const stop = async (): Promise<void> => {
    await child.stop();
    await rm(folder, { recursive: true, force: true });
  };
  try {
    await waitForHttp(child, `${url}/v2/`, id);
  } catch (error) {
    await stop();
    throw error;
  }
  const client = new RegistryClient(url);
  return {
    id,
    flavor: 'distribution',
    storage: options.storage,
    url,
    client,
    pids: () => [child.pid],
    log: () => child.output(),
    // On S3 its tags go over HTTP: its S3 driver cannot store a blob on s3rver anyway.
    ...(options.storage === 'fs' ? { tagSeeder: distributionTagSeeder(dataRoot) } : {}),
    description: `${id}: ${DISTRIBUTION_BINARY} serve, ${
      options.storage === 'fs'
        ? 'filesystem storage'
        : 'S3 storage on s3rver (path-style, v4auth, not secure)'
    }, delete enabled, inmemory blobdescriptor cache, redirects disabled, log level warn`,
    async stop() {
      await client.close();
      await stop();
    },
  };
}

function configuration(options: DistributionOptions, dataRoot: string, port: number): string {
  const storage =
    options.storage === 'fs' ? ['  filesystem:', `    rootdirectory: ${dataRoot}`] : s3Storage(options.s3);
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    ...storage,
    '  delete:',
    '    enabled: true',
    '  cache:',
    '    blobdescriptor: inmemory',
    '  redirect:',
    '    disable: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
    '',
  ].join('\n');
}

function s3Storage(s3: S3rverInstance | undefined): string[] {
  if (!s3) throw new Error('Distribution on S3 needs s3rver');
  return [
    '  s3:',
    `    accesskey: ${s3.accessKeyId}`,
    `    secretkey: ${s3.secretAccessKey}`,
    `    region: ${s3.region}`,
    `    regionendpoint: ${s3.endpoint}`,
    `    bucket: ${BUCKETS.distribution}`,
    '    forcepathstyle: true',
    '    secure: false',
    '    v4auth: true',
  ];
}
