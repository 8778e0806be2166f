import { startRestartableS3rver } from '@berth/testing/restartable-s3rver';
import {
  OCI_MANIFEST,
  randomBlob,
  sha256,
  uniqueRepo,
  type OciClient,
  type TestImage,
} from '../support/oci-client';
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
import { StreamingRequest } from '../support/streaming-request';
import { reportTiming } from '../support/timings';
import { patchChunk, pullBlob, resumeOffset, startUpload } from '../support/upload-steps';

const MiB = 1024 * 1024;

describe('the S3 endpoint going away in the middle of a push', () => {
  // Pulls stream through the processes, so that reading blobs needs S3 as much as writing them.
  const fixture = useOutageCluster({
    startBackend: (port) => startRestartableS3rver({ port }),
    choice: (s3) => ({ s3 }),
    stopBackend: (s3) => s3.stop(),
    env: { BERTH_BLOBS_REDIRECT: 'false' },
  });

  it('answers 503 without hanging, recovers by itself and loses nothing acknowledged', async () => {
    const { backend: s3, cluster, on } = fixture();
    const name = uniqueRepo('s3-outage');
    const image: TestImage = await cluster.client().pushImage(name, 'v1', { layers: [randomBlob(6 * MiB)] });
    const upload = randomBlob(12 * MiB);
    const acknowledged = 6 * MiB;
    const location = await startUpload(on[0] as OciClient, name);
    expect((await patchChunk(on[0] as OciClient, location, upload.subarray(0, acknowledged), 0)).status).toBe(
      202,
    );

    // A chunk streaming into S3 through process 1 when the endpoint goes away.
    const inFlight = new StreamingRequest(`${cluster.processes[1]?.url}${location}`, {
      method: 'PATCH',
      headers: {
        'Content-Type': 'application/octet-stream',
        'Content-Length': upload.length - acknowledged,
        'Content-Range': `${acknowledged}-${upload.length - 1}`,
      },
    });
    await inFlight.trickle(upload.subarray(acknowledged, acknowledged + 2 * MiB), { pieces: 4, pauseMs: 50 });
    const haltedAt = Date.now();
    // Pulls streaming through the processes keep coming as the endpoint goes: each one served or told to retry.
    const layer = sha256(image.layers[0] as Buffer);
    const transition = await answersUntil(
      s3.halt().then(() => inFlight.response),
      `${cluster.processes[0]?.url}/v2/${name}/blobs/${layer}`,
    );
    expect(unexpected(transition, ['200', '503 UNAVAILABLE'])).toEqual([]);
    const cutOff = await inFlight.response;
    const cutOffMs = Date.now() - haltedAt;
    inFlight.abort();
    expect(cutOff.status).toBe(503);
    expect(cutOffMs).toBeLessThan(ANSWER_LIMIT_MS);

    const [p0, p1] = cluster.processes.map((process) => process.url);
    const fresh = randomBlob(1000);
    const during = {
      'pull a blob': await answerOf(`${p0}/v2/${name}/blobs/${layer}`),
      'check a blob': await answerOf(`${p1}/v2/${name}/blobs/${layer}`, { method: 'HEAD' }),
      'pull a manifest': await answerOf(`${p0}/v2/${name}/manifests/v1`, {
        headers: { Accept: OCI_MANIFEST },
      }),
      'push a blob whole': await answerOf(`${p1}/v2/${name}/blobs/uploads/?digest=${sha256(fresh)}`, {
        method: 'POST',
        body: fresh,
      }),
      'ask where the upload stands': await answerOf(`${p0}${location}`),
      'resume the upload': await answerOf(`${p1}${location}`, {
        method: 'PATCH',
        headers: { 'Content-Range': `${acknowledged}-${upload.length - 1}` },
        body: upload.subarray(acknowledged),
      }),
    };
    expect(outcomes(during)).toEqual({
      'pull a blob': '503 UNAVAILABLE',
      'check a blob': '200',
      'pull a manifest': '200',
      'push a blob whole': '503 UNAVAILABLE',
      'ask where the upload stands': '204',
      'resume the upload': '503 UNAVAILABLE',
    });
    expect(misbehaved([...transition, ...Object.values(during)])).toEqual([]);
    reportTiming('S3 down: slowest request while down', slowest([...transition, ...Object.values(during)]));
    await waitForReadiness(cluster.processes, 503, ANSWER_LIMIT_MS);

    const resumedAt = Date.now();
    await s3.resume();
    const readyMs = await waitForReadiness(cluster.processes, 200);
    reportTiming(`S3 outage: in-flight PATCH answered 503 after ${cutOffMs} ms; ready again after`, readyMs);

    // The upload resumes where it was acknowledged, on either process.
    const status = await (on[1] as OciClient).request('GET', location);
    const offset = resumeOffset(status.headers.get('range'));
    expect(offset).toBe(acknowledged);
    expect((await patchChunk(on[1] as OciClient, location, upload.subarray(offset), offset)).status).toBe(
      202,
    );
    const done = await (on[0] as OciClient).request('PUT', `${location}?digest=${sha256(upload)}`);
    expect(done.status).toBe(201);
    reportTiming('S3 outage: from the endpoint back to a completed upload', Date.now() - resumedAt);

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
