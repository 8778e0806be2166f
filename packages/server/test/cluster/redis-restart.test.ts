import { startRedisServer } from '@berth/testing/redis';
import { OCI_MANIFEST, randomBlob, sha256, uniqueRepo, type OciClient } from '../support/oci-client';
import {
  ANSWER_LIMIT_MS,
  answerOf,
  answersUntil,
  misbehaved,
  outcomeOf,
  outcomes,
  slowest,
  unexpected,
  waitForReadiness,
} from '../support/outage-checks';
import { useOutageCluster } from '../support/outage-cluster';
import { auditStorage } from '../support/storage-audit';
import { StreamingRequest } from '../support/streaming-request';
import { reportTiming } from '../support/timings';
import { patchChunk, pullBlob, pushChunked, startUpload } from '../support/upload-steps';

const MiB = 1024 * 1024;

describe('Redis restarting under a cluster', () => {
  const fixture = useOutageCluster({
    startBackend: (port) => startRedisServer({ port }),
    choice: (redis) => ({ redisUrl: redis.url }),
    stopBackend: (redis) => redis.stop(),
  });

  it('answers 503 or BLOB_UPLOAD_UNKNOWN without hanging, recovers by itself and loses nothing acknowledged', async () => {
    const { backend: redis, cluster, on } = fixture();
    const name = uniqueRepo('redis-restart');
    const image = await cluster.client().pushImage(name, 'v1', { layers: [randomBlob(2 * MiB)] });
    const upload = randomBlob(7 * MiB);
    const location = await startUpload(on[0] as OciClient, name);
    expect((await patchChunk(on[0] as OciClient, location, upload.subarray(0, MiB), 0)).status).toBe(202);

    // A chunk streaming through process 1 when Redis goes away; the rest of it arrives during the outage.
    const rest = upload.subarray(MiB);
    const inFlight = new StreamingRequest(`${cluster.processes[1]?.url}${location}`, {
      method: 'PATCH',
      headers: {
        'Content-Type': 'application/octet-stream',
        'Content-Length': rest.length,
        'Content-Range': `${MiB}-${upload.length - 1}`,
      },
    });
    await inFlight.trickle(rest.subarray(0, 2 * MiB), { pieces: 4, pauseMs: 50 });
    const stoppedAt = Date.now();
    // Upload status requests keep coming while Redis shuts down: each answered, or told to retry, promptly.
    const transition = await answersUntil(redis.stop(), `${cluster.processes[0]?.url}${location}`);
    expect(unexpected(transition, ['204', '503 UNAVAILABLE'])).toEqual([]);
    await inFlight.write(rest.subarray(2 * MiB));
    inFlight.end();
    const cutOff = await inFlight.response;
    const cutOffMs = Date.now() - stoppedAt;
    expect(outcomeOf(cutOff.status, cutOff.body)).toBe('503 UNAVAILABLE');
    expect(cutOffMs).toBeLessThan(ANSWER_LIMIT_MS);

    const [p0, p1] = cluster.processes.map((process) => process.url);
    const layer = sha256(image.layers[0] as Buffer);
    const fresh = randomBlob(1000);
    const during = {
      'pull a manifest': await answerOf(`${p0}/v2/${name}/manifests/v1`, {
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
      'ask where the upload stands': await answerOf(`${p0}${location}`),
    };
    // Manifests and blobs live in PostgreSQL and S3; only upload sessions need Redis, and a blob
    // pushed whole in one request opens none.
    expect(outcomes(during)).toEqual({
      'pull a manifest': '200',
      'check a blob': '200',
      'push a manifest': '201',
      'push a blob whole': '201',
      'ask where the upload stands': '503 UNAVAILABLE',
    });
    expect(misbehaved([...transition, ...Object.values(during)])).toEqual([]);
    reportTiming(`Redis down: in-flight PATCH answered 503 after`, cutOffMs);
    reportTiming('Redis down: slowest request while down', slowest(Object.values(during)));
    await waitForReadiness(cluster.processes, 503, ANSWER_LIMIT_MS);
    const outageMs = Date.now() - stoppedAt;

    const restartedAt = Date.now();
    await redis.restart();
    const readyMs = await waitForReadiness(cluster.processes, 200);
    reportTiming(`Redis restart: down for ${outageMs} ms, processes ready again after`, readyMs);

    // The new Redis is empty: the session is gone, and the client starts the upload over.
    const lost = await answerOf(`${p1}${location}`);
    expect(lost.outcome).toBe('404 BLOB_UPLOAD_UNKNOWN');
    expect((await pushChunked(cluster.client(), name, upload, 3 * MiB)).status).toBe(201);
    reportTiming('Redis restart: from the server back to a completed upload', Date.now() - restartedAt);

    for (const client of on) {
      expect((await pullBlob(client, name, sha256(upload))).equals(upload)).toBe(true);
      for (const blob of [image.config, ...image.layers]) {
        expect((await pullBlob(client, name, sha256(blob))).equals(blob)).toBe(true);
      }
      for (const tag of ['v1', 'v2']) {
        const manifest = await client.request('GET', `/v2/${name}/manifests/${tag}`, {
          headers: { Accept: OCI_MANIFEST },
        });
        expect(Buffer.from(await manifest.arrayBuffer()).equals(image.manifest)).toBe(true);
      }
    }
    // The lost session's staged bytes are the janitor's to discard; nothing committed is unaccounted for.
    const audit = await auditStorage(cluster.backends);
    expect(audit.orphanedObjects).toEqual([]);
    expect(audit.rowsWithoutObject).toEqual([]);
    expect(await cluster.internalErrors()).toEqual([]);
  }, 90_000);
});
