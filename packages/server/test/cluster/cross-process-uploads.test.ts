import { errorCodeOf, randomBlob, sha256, uniqueRepo, type OciClient } from '../support/oci-client';
import { useProcessCluster, type ProcessCluster } from '../support/process-cluster';
import { auditStorage, leftovers } from '../support/storage-audit';
import { patchChunk, pullBlob, startUpload } from '../support/upload-steps';

const MiB = 1024 * 1024;

describe('any process serves any request', () => {
  let cluster: ProcessCluster;
  let on: OciClient[];

  const started = useProcessCluster({ processes: 3 });

  beforeAll(async () => {
    cluster = started();
    on = cluster.processes.map((_, index) => cluster.clientOf(index));
  });

  /** Sends an upload's chunks to the processes named by `placement`, one chunk each, in order. */
  async function sendChunks(location: string, data: Buffer, cuts: number[], placement: number[]) {
    for (let i = 0; i < cuts.length - 1; i++) {
      const [start, end] = [cuts[i] as number, cuts[i + 1] as number];
      const res = await patchChunk(
        on[placement[i] as number] as OciClient,
        location,
        data.subarray(start, end),
        start,
      );
      expect(res.status).toBe(202);
      expect(res.headers.get('range')).toBe(`0-${end - 1}`);
    }
  }

  it('completes a chunked upload whose POST, every PATCH and the PUT land on different processes', async () => {
    const name = uniqueRepo('cluster');
    const data = randomBlob(13 * MiB + 5);
    // A part-sized chunk, then chunks too small for a part (kept as a staged tail), then one that
    // flushes the tail into parts: every shape of append, each on a process that saw none before.
    const cuts = [0, 6 * MiB, 7 * MiB, 7 * MiB + 100, data.length];
    const location = await startUpload(on[0] as OciClient, name);
    await sendChunks(location, data, cuts, [1, 2, 0, 1]);

    const done = await (on[2] as OciClient).request('PUT', `${location}?digest=${sha256(data)}`);
    expect(done.status).toBe(201);
    expect(done.headers.get('docker-content-digest')).toBe(sha256(data));
    for (const client of on) expect((await pullBlob(client, name, sha256(data))).equals(data)).toBe(true);
    expect(leftovers(await auditStorage(cluster.backends))).toEqual([]);
  });

  it('refuses a cross-process upload whose bytes do not match the digest, keeping nothing', async () => {
    const name = uniqueRepo('cluster');
    const data = randomBlob(6 * MiB + 1000);
    const claimed = sha256(randomBlob(16));
    const location = await startUpload(on[1] as OciClient, name);
    await sendChunks(location, data, [0, 1000, data.length], [2, 0]);

    // The completing process saw no chunk, so only reading the stored object back can catch this.
    const done = await (on[1] as OciClient).request('PUT', `${location}?digest=${claimed}`);
    expect(done.status).toBe(400);
    expect(await errorCodeOf(done)).toBe('DIGEST_INVALID');
    for (const digest of [claimed, sha256(data)]) {
      const head = await (on[0] as OciClient).request('HEAD', `/v2/${name}/blobs/${digest}`);
      expect(head.status).toBe(404);
    }
    const status = await (on[2] as OciClient).request('GET', location);
    expect(status.status).toBe(404);
    expect(await errorCodeOf(status)).toBe('BLOB_UPLOAD_UNKNOWN');
    const audit = await auditStorage(cluster.backends);
    expect(audit.blobRows.map((row) => row.digest)).not.toContain(claimed);
    expect(leftovers(audit)).toEqual([]);
  });

  it('shares upload progress, out-of-order answers and cancellation across processes', async () => {
    const name = uniqueRepo('cluster');
    const data = randomBlob(1000);
    const location = await startUpload(on[0] as OciClient, name);
    expect((await patchChunk(on[1] as OciClient, location, data, 0)).status).toBe(202);

    const status = await (on[2] as OciClient).request('GET', location);
    expect(status.status).toBe(204);
    expect(status.headers.get('range')).toBe('0-999');

    const skipped = await patchChunk(on[0] as OciClient, location, data, 5000);
    expect(skipped.status).toBe(416);
    expect(skipped.headers.get('range')).toBe('0-999');
    expect(skipped.headers.get('location')).toBe(location);

    expect((await (on[1] as OciClient).request('DELETE', location)).status).toBe(204);
    for (const client of on) {
      const gone = await client.request('GET', location);
      expect(gone.status).toBe(404);
      expect(await errorCodeOf(gone)).toBe('BLOB_UPLOAD_UNKNOWN');
    }
  });

  it('serves pulls of an image pushed request by request over every process', async () => {
    const name = uniqueRepo('cluster');
    const image = await cluster
      .client()
      .pushImage(name, 'v1', { layers: [randomBlob(3 * MiB), randomBlob(10)] });
    for (const client of on) {
      const byTag = await client.request('GET', `/v2/${name}/manifests/v1`, {
        headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      expect(byTag.status).toBe(200);
      expect(byTag.headers.get('docker-content-digest')).toBe(image.digest);
      expect(Buffer.from(await byTag.arrayBuffer()).equals(image.manifest)).toBe(true);
      const byDigest = await client.request('HEAD', `/v2/${name}/manifests/${image.digest}`);
      expect(byDigest.status).toBe(200);
      for (const blob of [image.config, ...image.layers]) {
        expect((await pullBlob(client, name, sha256(blob))).equals(blob)).toBe(true);
      }
      const tags = await client.request('GET', `/v2/${name}/tags/list`);
      expect(await tags.json()).toEqual({ name, tags: ['v1'] });
    }
    // A mount from the repository on a process that did not receive the blob.
    const other = uniqueRepo('cluster');
    const layer = sha256(image.layers[0] as Buffer);
    const mounted = await (on[2] as OciClient).request(
      'POST',
      `/v2/${other}/blobs/uploads/?mount=${layer}&from=${name}`,
    );
    expect(mounted.status).toBe(201);
    expect((await pullBlob(on[0] as OciClient, other, layer)).equals(image.layers[0] as Buffer)).toBe(true);
  });

  it('moves a tag on one process and every other process answers with the new target at once', async () => {
    const name = uniqueRepo('cluster');
    const writer = cluster.client();
    for (let move = 0; move < 6; move++) {
      const image = await writer.pushImage(name, undefined, { layers: [randomBlob(100)] });
      const put = await (on[move % on.length] as OciClient).putManifest(name, 'latest', image.manifest);
      expect(put.status).toBe(201);
      for (const client of on) {
        const head = await client.request('HEAD', `/v2/${name}/manifests/latest`);
        expect(head.status).toBe(200);
        expect(head.headers.get('docker-content-digest')).toBe(image.digest);
      }
    }
  });
});
