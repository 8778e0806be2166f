import { startPostgresServer } from '@berth/testing/postgres-server';
import { OCI_MANIFEST, randomBlob, sha256, uniqueRepo, type OciClient } from '../support/oci-client';
import {
  ANSWER_LIMIT_MS,
  answerOf,
  answersUntil,
  misbehaved,
  outcomes,
  slowest,
  unexpected,
  waitForReadiness,
} from '../support/outage-checks';
import { useOutageCluster } from '../support/outage-cluster';
import { auditStorage, leftovers } from '../support/storage-audit';
import { reportTiming } from '../support/timings';
import { patchChunk, pullBlob, startUpload } from '../support/upload-steps';

const MiB = 1024 * 1024;

describe('PostgreSQL restarting under a cluster', () => {
  const fixture = useOutageCluster({
    startBackend: (port) => startPostgresServer({ port }),
    choice: (postgres) => ({ postgresUrl: postgres.url }),
    stopBackend: (postgres) => postgres.destroy(),
  });

  it('answers 503 without hanging, recovers by itself and loses nothing acknowledged', async () => {
    const { backend: postgres, cluster, on } = fixture();
    const name = uniqueRepo('pg-restart');
    const image = await cluster.client().pushImage(name, 'v1', { layers: [randomBlob(2 * MiB)] });
    const upload = randomBlob(7 * MiB);
    const location = await startUpload(on[0] as OciClient, name);
    expect((await patchChunk(on[0] as OciClient, location, upload.subarray(0, 6 * MiB), 0)).status).toBe(202);

    const [p0, p1] = cluster.processes.map((process) => process.url);
    // Read once, so that p0's manifest cache holds it through the outage.
    const read = await (on[0] as OciClient).request('GET', `/v2/${name}/manifests/v1`, {
      headers: { Accept: OCI_MANIFEST },
    });
    expect(read.status).toBe(200);
    const stoppedAt = Date.now();
    // Pulls keep coming while the server shuts down: each is served or told to retry, promptly.
    const transition = await answersUntil(postgres.stop('fast'), `${p0}/v2/${name}/manifests/v1`, {
      headers: { Accept: OCI_MANIFEST },
    });
    expect(unexpected(transition, ['200', '503 UNAVAILABLE'])).toEqual([]);
    const layer = sha256(image.layers[0] as Buffer);
    const fresh = randomBlob(1000);
    const during = {
      'pull a manifest read before': await answerOf(`${p0}/v2/${name}/manifests/v1`, {
        headers: { Accept: OCI_MANIFEST },
      }),
      'pull a manifest not read before': await answerOf(`${p0}/v2/${name}/manifests/${image.digest}`, {
        headers: { Accept: OCI_MANIFEST },
      }),
      'check a blob': await answerOf(`${p1}/v2/${name}/blobs/${layer}`, { method: 'HEAD' }),
      'push a manifest': await answerOf(`${p0}/v2/${name}/manifests/v2`, {
        method: 'PUT',
        headers: { 'Content-Type': OCI_MANIFEST },
        body: image.manifest,
      }),
      'push a blob whole': await answerOf(`${p1}/v2/${name}/blobs/uploads/?digest=${sha256(fresh)}`, {
        method: 'POST',
        body: fresh,
      }),
      // Sessions and bytes live in Redis and S3: a chunk is still acknowledged.
      'send the last chunk': await answerOf(`${p1}${location}`, {
        method: 'PATCH',
        headers: { 'Content-Range': `${6 * MiB}-${upload.length - 1}` },
        body: upload.subarray(6 * MiB),
      }),
      // Completion is the step that records the blob, on a process that did not see every chunk.
      'complete the upload': await answerOf(`${p0}${location}?digest=${sha256(upload)}`, { method: 'PUT' }),
    };
    expect(outcomes(during)).toEqual({
      'pull a manifest read before': '200', // from p0's manifest cache
      'pull a manifest not read before': '503 UNAVAILABLE',
      'check a blob': '503', // HEAD: no body
      'push a manifest': '503 UNAVAILABLE',
      'push a blob whole': '503 UNAVAILABLE',
      'send the last chunk': '202',
      'complete the upload': '503 UNAVAILABLE',
    });
    expect(misbehaved([...transition, ...Object.values(during)])).toEqual([]);
    reportTiming(
      `PostgreSQL down: slowest of ${transition.length} pulls during the stop`,
      slowest(transition),
    );
    reportTiming('PostgreSQL down: slowest request while down', slowest(Object.values(during)));
    await waitForReadiness(cluster.processes, 503, ANSWER_LIMIT_MS);
    const outageMs = Date.now() - stoppedAt;

    const startedAt = Date.now();
    await postgres.start();
    const readyMs = await waitForReadiness(cluster.processes, 200);
    reportTiming(`PostgreSQL restart: down for ${outageMs} ms, processes ready again after`, readyMs);

    // The client retries the completion that got a 503.
    const done = await (on[1] as OciClient).request('PUT', `${location}?digest=${sha256(upload)}`);
    expect(done.status).toBe(201);
    reportTiming(
      'PostgreSQL restart: from the server back to the retried completion',
      Date.now() - startedAt,
    );

    for (const client of on) {
      expect((await pullBlob(client, name, sha256(upload))).equals(upload)).toBe(true);
      for (const blob of [image.config, ...image.layers]) {
        expect((await pullBlob(client, name, sha256(blob))).equals(blob)).toBe(true);
      }
      const manifest = await client.request('GET', `/v2/${name}/manifests/v1`, {
        headers: { Accept: OCI_MANIFEST },
      });
      expect(Buffer.from(await manifest.arrayBuffer()).equals(image.manifest)).toBe(true);
    }
    expect(leftovers(await auditStorage(cluster.backends))).toEqual([]);
    expect(await cluster.internalErrors()).toEqual([]);
  }, 90_000);
});
