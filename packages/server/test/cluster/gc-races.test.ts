import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { OCI_MANIFEST, OciClient, randomBlob, sha256, uniqueRepo } from '../support/oci-client';
import { useProcessCluster } from '../support/process-cluster';
import { auditStorage } from '../support/storage-audit';
import { reportTiming } from '../support/timings';

const CLIENTS = 20;
const DURATION_MS = Number(process.env.BERTH_TEST_GC_RACE_SECONDS ?? 60) * 1000;
const SHARED_LAYERS = 6;
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

/** An image a client pushed and the registry acknowledged with 201. */
interface Acknowledged {
  repository: string;
  digest: string;
  manifest: Buffer;
  blobs: Buffer[];
}

/**
 * Pushes an image as clients do: HEAD each blob, upload the ones missing, then the manifest.
 * False when the registry refused the manifest because a blob it had said it held was collected
 * in between: a push that failed, which the client retries; never one acknowledged and then lost.
 */
async function pushLikeAClient(
  client: OciClient,
  repository: string,
  reference: string,
  blobs: Buffer[],
): Promise<{ digest: string; manifest: Buffer } | undefined> {
  for (const blob of blobs) {
    const head = await client.request('HEAD', `/v2/${repository}/blobs/${sha256(blob)}`);
    if (head.status !== 200) await client.pushBlob(repository, blob);
  }
  const [config, ...layers] = blobs as [Buffer, ...Buffer[]];
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: sha256(config), size: config.length },
      layers: layers.map((layer) => ({ mediaType: OCI_LAYER, digest: sha256(layer), size: layer.length })),
    }),
  );
  const res = await client.putManifest(repository, reference, manifest);
  if (res.status === 201) return { digest: sha256(manifest), manifest };
  const body = await res.text();
  if (res.status === 400 && body.includes('MANIFEST_BLOB_UNKNOWN')) return undefined;
  throw new Error(`manifest push answered ${res.status}: ${body}`);
}

describe('garbage collection racing pushes, tag moves and deletes on three processes', () => {
  const cluster = useProcessCluster({
    processes: 3,
    env: {
      // Every review due at once, and reviewed all the time, flat out: the races GC can have, as
      // often as possible.
      BERTH_GC_REVIEW_DELAY_SECONDS: '0',
      BERTH_GC_REVIEW_JITTER_SECONDS: '0',
      BERTH_GC_INTERVAL_SECONDS: '0.2',
      BERTH_GC_BUSY_FRACTION: '1',
    },
  });

  it(
    'never loses a blob of an acknowledged image that is still tagged, and reclaims the rest',
    async () => {
      const repositories = [uniqueRepo('gc-race'), uniqueRepo('gc-race')];
      const shared = Array.from({ length: SHARED_LAYERS }, () =>
        randomBlob(4096 + Math.floor(Math.random() * 4096)),
      );
      // What each tag names now, by repository and tag; and what was deleted on purpose.
      const tagged = new Map<string, Acknowledged>();
      const counts = { pushed: 0, refused: 0, tagMoves: 0, deleted: 0 };
      const deadline = Date.now() + DURATION_MS;

      async function runClient(index: number): Promise<void> {
        const client = cluster().clientOf(index % cluster().processes.length);
        const repository = repositories[index % repositories.length] as string;
        for (let round = 0; Date.now() < deadline; round++) {
          const config = Buffer.from(
            JSON.stringify({ client: index, round, nonce: randomBytes(4).toString('hex') }),
          );
          const layers = [
            shared[round % SHARED_LAYERS],
            shared[(index + round) % SHARED_LAYERS],
            randomBlob(2048),
          ];
          const blobs = [config, ...(layers as Buffer[])];
          // Three tags per client, moved round after round.
          const tag = `c${index}-t${round % 3}`;
          const pushed = await pushLikeAClient(client, repository, tag, blobs);
          if (!pushed) {
            counts.refused += 1;
            continue;
          }
          counts.pushed += 1;
          const key = `${repository}:${tag}`;
          const previous = tagged.get(key);
          tagged.set(key, { repository, digest: pushed.digest, manifest: pushed.manifest, blobs });
          if (!previous) continue;
          counts.tagMoves += 1;
          // Now and then the manifest the tag left is deleted, when no other tag still names it.
          const stillNamed = [...tagged.values()].some((image) => image.digest === previous.digest);
          if (round % 4 === 1 && !stillNamed) {
            const res = await client.request('DELETE', `/v2/${repository}/manifests/${previous.digest}`);
            expect([202, 404]).toContain(res.status);
            counts.deleted += 1;
          }
        }
      }

      const started = Date.now();
      await Promise.all(Array.from({ length: CLIENTS }, (_, index) => runClient(index)));
      reportTiming(
        `GC races: ${counts.pushed} images acknowledged, ${counts.refused} refused and retried, ${counts.tagMoves} tag moves, ${counts.deleted} deletes`,
        Date.now() - started,
      );
      expect(counts.pushed).toBeGreaterThan(CLIENTS);

      // Every image a tag names pulls intact from every process.
      for (let index = 0; index < cluster().processes.length; index++) {
        const client = cluster().clientOf(index);
        for (const [key, image] of tagged) {
          const tag = key.slice(key.lastIndexOf(':') + 1);
          const manifest = await client.request('GET', `/v2/${image.repository}/manifests/${tag}`);
          expect(manifest.status).toBe(200);
          expect(Buffer.from(await manifest.arrayBuffer()).equals(image.manifest)).toBe(true);
          for (const blob of image.blobs) {
            const pulled = await client.request('GET', `/v2/${image.repository}/blobs/${sha256(blob)}`, {
              follow: true,
            });
            expect(pulled.status).toBe(200);
            expect(sha256(Buffer.from(await pulled.arrayBuffer()))).toBe(sha256(blob));
          }
        }
      }

      // Once the queues are worked off, nothing unreachable is left in the database or in storage.
      const { backends } = cluster();
      const unreachable = async () => {
        const [row] = await backends.query<{ links: number; blobs: number; reviews: number }>(
          `SELECT
           (SELECT count(*)::int FROM repository_blobs rb WHERE NOT EXISTS (
              SELECT 1 FROM manifest_blobs mb JOIN manifests m ON m.id = mb.manifest_id
              WHERE m.repository_id = rb.repository_id AND mb.blob_digest = rb.blob_digest)) AS links,
           (SELECT count(*)::int FROM blobs b WHERE NOT EXISTS (SELECT 1 FROM repository_blobs rb WHERE rb.blob_digest = b.digest)
              AND NOT EXISTS (SELECT 1 FROM manifest_blobs mb WHERE mb.blob_digest = b.digest)) AS blobs,
           (SELECT count(*)::int FROM gc_link_reviews) + (SELECT count(*)::int FROM gc_blob_reviews) AS reviews`,
        );
        return row;
      };
      const settleDeadline = Date.now() + 60_000;
      let left = await unreachable();
      while ((left?.links || left?.blobs || left?.reviews) && Date.now() < settleDeadline) {
        await sleep(250);
        left = await unreachable();
      }
      expect(left).toEqual({ links: 0, blobs: 0, reviews: 0 });
      const audit = await auditStorage(backends);
      expect(audit.rowsWithoutObject).toEqual([]);
      expect(audit.orphanedObjects).toEqual([]);
    },
    DURATION_MS + 240_000,
  );
});
