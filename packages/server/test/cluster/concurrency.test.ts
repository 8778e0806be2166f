import { randomBytes } from 'node:crypto';
import {
  OCI_CONFIG,
  OCI_LAYER,
  OCI_MANIFEST,
  randomBlob,
  sha256,
  uniqueRepo,
  type OciClient,
} from '../support/oci-client';
import { useProcessCluster, type ProcessCluster } from '../support/process-cluster';
import { auditStorage, leftovers } from '../support/storage-audit';
import { pullBlob, pushChunked } from '../support/upload-steps';

const CLIENTS = 50;
const MiB = 1024 * 1024;

/** Runs `work` for each of `count` clients at once, each with its own round-robin client. */
function inParallel<T>(
  cluster: ProcessCluster,
  count: number,
  work: (client: OciClient, index: number) => Promise<T>,
) {
  return Promise.all(Array.from({ length: count }, (_, index) => work(cluster.client(), index)));
}

function imageManifest(config: Buffer, layer: Buffer, annotations?: Record<string, string>): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: sha256(config), size: config.length },
      layers: [{ mediaType: OCI_LAYER, digest: sha256(layer), size: layer.length }],
      ...(annotations ? { annotations } : {}),
    }),
  );
}

describe(`${CLIENTS} clients racing on the same content across processes`, () => {
  let cluster: ProcessCluster;

  const started = useProcessCluster({ processes: 3 });

  beforeAll(async () => {
    cluster = started();
  });

  it('converges on one blob row and one stored object when every client pushes the same blob', async () => {
    const name = uniqueRepo('race');
    const data = randomBlob(2 * MiB + 7);
    const digest = sha256(data);
    // Half push in one request, half in chunks spread over the processes: both completion paths
    // (verified while streaming, verified by reading back) race each other.
    const statuses = await inParallel(cluster, CLIENTS, async (client, index) => {
      const res =
        index % 2 === 0
          ? await client.request('POST', `/v2/${name}/blobs/uploads/?digest=${digest}`, { body: data })
          : await pushChunked(client, name, data, 768 * 1024);
      await res.arrayBuffer();
      expect(res.headers.get('docker-content-digest')).toBe(digest);
      return res.status;
    });
    expect(statuses).toEqual(Array(CLIENTS).fill(201));

    const rows = await cluster.backends.query<{ storage_key: string }>(
      'SELECT storage_key FROM blobs WHERE digest = $1',
      [digest],
    );
    expect(rows).toHaveLength(1);
    const audit = await auditStorage(cluster.backends);
    expect(audit.objects).toEqual([rows[0]?.storage_key]);
    expect(leftovers(audit)).toEqual([]);
    const links = await cluster.backends.query(
      'SELECT 1 FROM repository_blobs rb JOIN repositories r ON r.id = rb.repository_id WHERE r.name = $1',
      [name],
    );
    expect(links).toHaveLength(1);
    expect((await pullBlob(cluster.client(), name, digest)).equals(data)).toBe(true);
  });

  it('stores one manifest row when every client pushes the same manifest', async () => {
    const name = uniqueRepo('race');
    const client = cluster.client();
    const [config, layer] = [randomBlob(200), randomBlob(3000)];
    await client.pushBlob(name, config);
    await client.pushBlob(name, layer);
    const manifest = imageManifest(config, layer);
    const digest = sha256(manifest);

    const answers = await inParallel(cluster, CLIENTS, async (racer, index) => {
      // By digest and by the same tag, mixed.
      const res = await racer.putManifest(name, index % 2 === 0 ? digest : 'same', manifest);
      await res.arrayBuffer();
      return [res.status, res.headers.get('docker-content-digest')];
    });
    expect(answers).toEqual(Array(CLIENTS).fill([201, digest]));

    const rows = await cluster.backends.query(
      'SELECT m.id FROM manifests m JOIN repositories r ON r.id = m.repository_id WHERE r.name = $1',
      [name],
    );
    expect(rows).toHaveLength(1);
    const res = await client.request('GET', `/v2/${name}/manifests/same`, {
      headers: { Accept: OCI_MANIFEST },
    });
    expect(res.headers.get('docker-content-digest')).toBe(digest);
  });

  it('leaves the tag on one of the pushed manifests when every client moves it at once', async () => {
    const name = uniqueRepo('race');
    const client = cluster.client();
    const [config, layer] = [randomBlob(200), randomBlob(3000)];
    await client.pushBlob(name, config);
    await client.pushBlob(name, layer);
    const manifests = Array.from({ length: CLIENTS }, () =>
      imageManifest(config, layer, { nonce: randomBytes(8).toString('hex') }),
    );
    const pushed = new Set(manifests.map(sha256));

    const statuses = await inParallel(cluster, CLIENTS, async (racer, index) => {
      const res = await racer.putManifest(name, 'moving', manifests[index] as Buffer);
      await res.arrayBuffer();
      return res.status;
    });
    expect(statuses).toEqual(Array(CLIENTS).fill(201));

    const tags = await cluster.backends.query<{ digest: string }>(
      `SELECT m.digest FROM tags t
       JOIN repositories r ON r.id = t.repository_id
       JOIN manifests m ON m.id = t.manifest_id
       WHERE r.name = $1`,
      [name],
    );
    expect(tags).toHaveLength(1);
    const target = tags[0]?.digest as string;
    expect(pushed.has(target)).toBe(true);
    const rows = await cluster.backends.query<{ digest: string }>(
      'SELECT m.digest FROM manifests m JOIN repositories r ON r.id = m.repository_id WHERE r.name = $1',
      [name],
    );
    expect(new Set(rows.map((row) => row.digest))).toEqual(pushed);
    // Every process agrees on where the tag ended.
    for (const process of cluster.processes) {
      const head = await fetch(`${process.url}/v2/${name}/manifests/moving`, { method: 'HEAD' });
      expect(head.headers.get('docker-content-digest')).toBe(target);
    }
  });
});
