import { randomBytes } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { send } from '../oci/http';
import { sha256Digest } from '../oci/payload';
import { now } from '../util/units';
import type { GcDeployment } from './gc-deployment';
import { withDatabase } from './gc-database';
import { STORAGE_KEY } from './object-layout';

const ATTEMPTS = 5;
const RECLAIM_TIMEOUT_MS = 10_000;

/**
 * Checks, on a blob pushed over HTTP, that Berth stores a blob as the backlog stager writes one (a
 * row naming `blobs/<uuid>`, the bytes at <root>/objects/blobs/<uuid>), then deletes it over HTTP:
 * so a staged backlog is the state that as many pushes and blob DELETEs leave, only made faster.
 * With `awaitReclaim` (review delay 0 only) it then waits for GC to reclaim the probe, so that GC
 * is known to work on the deployment before it is timed, and answers how long that took, in ms.
 */
export async function probeObjectLayout(
  deployment: GcDeployment,
  repository: string,
  awaitReclaim: boolean,
): Promise<number | undefined> {
  for (let attempt = 1; ; attempt++) {
    const blob = randomBytes(1024);
    const digest = sha256Digest(blob);
    await deployment.client.pushSmallBlob(repository, { bytes: blob, digest });
    const key = await storageKey(deployment.databaseUrl, digest);
    // With no review delay, GC may have collected the probe already (no manifest needs it).
    if (key === undefined && attempt < ATTEMPTS) continue;
    if (key === undefined || !STORAGE_KEY.test(key))
      throw new Error(`the probe blob's row names ${key ?? 'nothing'}, not blobs/<uuid>`);
    const file = join(deployment.blobRoot, 'objects', key);
    const stored = await readFile(file).catch(() => undefined);
    if (stored === undefined && attempt < ATTEMPTS) continue;
    if (!stored?.equals(blob)) throw new Error(`the probe blob's bytes are not at ${file}`);
    const deleted = now();
    await send(deployment.client.agent, deployment.client.url(`/v2/${repository}/blobs/${digest}`), {
      method: 'DELETE',
      expect: [202, 404],
    });
    if (!awaitReclaim) return undefined;
    await untilGone(deployment.databaseUrl, digest, file);
    return now() - deleted;
  }
}

async function storageKey(databaseUrl: string, digest: string): Promise<string | undefined> {
  return withDatabase(databaseUrl, async (client) => {
    const { rows } = await client.query<{ storage_key: string }>(
      'SELECT storage_key FROM blobs WHERE digest = $1',
      [digest],
    );
    return rows[0]?.storage_key;
  });
}

async function untilGone(databaseUrl: string, digest: string, file: string): Promise<void> {
  const deadline = now() + RECLAIM_TIMEOUT_MS;
  for (;;) {
    const row = await storageKey(databaseUrl, digest);
    const present = await access(file).then(
      () => true,
      () => false,
    );
    if (row === undefined && !present) return;
    if (now() > deadline)
      throw new Error(
        `GC did not reclaim the probe blob within ${RECLAIM_TIMEOUT_MS / 1000} s (row ${row ? 'left' : 'gone'}, object ${present ? 'left' : 'gone'})`,
      );
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
