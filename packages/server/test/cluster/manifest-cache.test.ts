import { OCI_MANIFEST, sha256, uniqueRepo, type OciClient } from '../support/oci-client';
import { useProcessCluster, type ProcessCluster } from '../support/process-cluster';
import { Scrape } from '../support/prometheus';

// Entries would outlive the test: only the broadcast of a change can make a process forget one.
const TTL_SECONDS = '600';

/** The digest a process serves for a reference, or its status when it serves none. */
async function served(client: OciClient, name: string, reference: string): Promise<string | number> {
  const res = await client.request('GET', `/v2/${name}/manifests/${reference}`, {
    headers: { Accept: OCI_MANIFEST },
  });
  if (res.status !== 200) return res.status;
  const body = Buffer.from(await res.arrayBuffer());
  expect(res.headers.get('docker-content-digest')).toBe(sha256(body));
  return sha256(body);
}

async function headed(client: OciClient, name: string, reference: string): Promise<string | number> {
  const res = await client.request('HEAD', `/v2/${name}/manifests/${reference}`, {
    headers: { Accept: OCI_MANIFEST },
  });
  return res.status === 200 ? (res.headers.get('docker-content-digest') ?? 'no digest') : res.status;
}

describe('manifest cache of two processes sharing Redis', () => {
  let cluster: ProcessCluster;
  let writer: OciClient;
  let reader: OciClient;

  const started = useProcessCluster({
    processes: 2,
    env: { BERTH_MANIFESTS_CACHE_TTL_SECONDS: TTL_SECONDS },
  });

  beforeAll(async () => {
    cluster = started();
    [writer, reader] = [cluster.clientOf(0), cluster.clientOf(1)];
  });

  it('serves repeated reads from memory', async () => {
    const name = uniqueRepo('cache');
    const image = await writer.pushImage(name, 'v1');
    const hits = async (): Promise<number> =>
      (await Scrape.of(reader.baseUrl)).value('berth_cache_requests_total', {
        cache: 'manifests',
        result: 'hit',
      });
    const before = await hits();
    for (let i = 0; i < 5; i++) expect(await served(reader, name, 'v1')).toBe(image.digest);
    expect(await headed(reader, name, image.digest)).toBe(image.digest);
    expect(await headed(reader, name, image.digest)).toBe(image.digest);
    expect((await hits()) - before).toBe(5);
  });

  it('serves a moved tag from every process as soon as the push is answered', async () => {
    const name = uniqueRepo('cache');
    const first = await writer.pushImage(name, 'latest');
    for (let round = 0; round < 5; round++) {
      expect(await served(reader, name, 'latest')).not.toBe(404);
      const next = await writer.pushImage(name, 'latest');
      expect(await served(reader, name, 'latest')).toBe(next.digest);
      expect(await headed(reader, name, 'latest')).toBe(next.digest);
    }
    expect(await served(reader, name, first.digest)).toBe(first.digest);
  });

  it('stops serving a deleted tag or manifest from every process at once', async () => {
    const name = uniqueRepo('cache');
    const image = await writer.pushImage(name, 'v1');
    await writer.putManifest(name, 'v2', image.manifest);
    for (const reference of ['v1', 'v2', image.digest])
      expect(await served(reader, name, reference)).toBe(image.digest);

    expect((await writer.request('DELETE', `/v2/${name}/manifests/v1`)).status).toBe(202);
    expect(await served(reader, name, 'v1')).toBe(404);
    expect(await served(reader, name, 'v2')).toBe(image.digest);

    expect((await writer.request('DELETE', `/v2/${name}/manifests/${image.digest}`)).status).toBe(202);
    expect(await served(reader, name, image.digest)).toBe(404);
    expect(await headed(reader, name, 'v2')).toBe(404);
  });
});
