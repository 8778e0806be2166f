import { describeEachFlavor } from '../support/test-registry';
import {
  OCI_CONFIG,
  OCI_INDEX,
  OCI_LAYER,
  OCI_MANIFEST,
  OciClient,
  errorCodeOf,
  randomBlob,
  sha256,
  uniqueRepo,
} from '../support/oci-client';

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

describeEachFlavor('manifests', (registry) => {
  let client: OciClient;
  beforeAll(() => {
    client = new OciClient(registry().url);
  });

  it('pushes by tag and pulls by tag and by digest with the spec headers', async () => {
    const name = uniqueRepo();
    const image = await client.pushImage(name, 'v1');
    for (const reference of ['v1', image.digest]) {
      const res = await client.request('GET', `/v2/${name}/manifests/${reference}`, {
        headers: { Accept: OCI_MANIFEST },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(OCI_MANIFEST);
      expect(res.headers.get('docker-content-digest')).toBe(image.digest);
      expect(res.headers.get('content-length')).toBe(String(image.manifest.length));
      expect(res.headers.get('etag')).toBe(`"${image.digest}"`);
      expect(Buffer.from(await res.arrayBuffer()).equals(image.manifest)).toBe(true);
      const head = await client.request('HEAD', `/v2/${name}/manifests/${reference}`);
      expect(head.status).toBe(200);
      expect(head.headers.get('docker-content-digest')).toBe(image.digest);
      expect(head.headers.get('content-length')).toBe(String(image.manifest.length));
    }
  });

  it('answers PUT with Location and Docker-Content-Digest', async () => {
    const name = uniqueRepo();
    const config = Buffer.from('{}');
    await client.pushBlob(name, config);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: sha256(config), size: 2 },
      layers: [],
    });
    const res = await client.putManifest(name, 'latest', manifest);
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/v2/${name}/manifests/${sha256(manifest)}`);
    expect(res.headers.get('docker-content-digest')).toBe(sha256(manifest));
  });

  it('refuses a manifest whose digest does not match the reference', async () => {
    const name = uniqueRepo();
    const image = await client.pushImage(name, 'v1');
    const res = await client.putManifest(name, sha256('other'), image.manifest);
    expect(res.status).toBe(400);
    expect(await errorCodeOf(res)).toBe('DIGEST_INVALID');
  });

  it('serves Docker schema 2 manifests and manifest lists', async () => {
    const name = uniqueRepo();
    const config = randomBlob(64);
    const layer = randomBlob(256);
    await client.pushBlob(name, config);
    await client.pushBlob(name, layer);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST,
      config: {
        mediaType: 'application/vnd.docker.container.image.v1+json',
        digest: sha256(config),
        size: 64,
      },
      layers: [
        { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: sha256(layer), size: 256 },
      ],
    });
    expect((await client.putManifest(name, 'amd64', manifest, DOCKER_MANIFEST)).status).toBe(201);
    const list = JSON.stringify({
      schemaVersion: 2,
      mediaType: DOCKER_LIST,
      manifests: [
        {
          mediaType: DOCKER_MANIFEST,
          digest: sha256(manifest),
          size: manifest.length,
          platform: { architecture: 'amd64', os: 'linux' },
        },
      ],
    });
    expect((await client.putManifest(name, 'multi', list, DOCKER_LIST)).status).toBe(201);
    const res = await client.request('GET', `/v2/${name}/manifests/multi`, {
      headers: { Accept: `${DOCKER_MANIFEST}, ${DOCKER_LIST}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(DOCKER_LIST);
    expect(await res.text()).toBe(list);
  });

  it('negotiates on Accept: an index is not served to a client that only accepts image manifests', async () => {
    const name = uniqueRepo();
    const image = await client.pushImage(name);
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [{ mediaType: OCI_MANIFEST, digest: image.digest, size: image.manifest.length }],
    });
    expect((await client.putManifest(name, 'idx', index, OCI_INDEX)).status).toBe(201);
    const refused = await client.request('GET', `/v2/${name}/manifests/idx`, {
      headers: { Accept: OCI_MANIFEST },
    });
    expect(refused.status).toBe(404);
    expect(await errorCodeOf(refused)).toBe('MANIFEST_UNKNOWN');
    for (const accept of [OCI_INDEX, '*/*', `${OCI_MANIFEST};q=0.5, ${OCI_INDEX}`]) {
      const res = await client.request('GET', `/v2/${name}/manifests/idx`, { headers: { Accept: accept } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(OCI_INDEX);
    }
  });

  it('refuses an index whose child manifests are absent', async () => {
    const name = uniqueRepo();
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [{ mediaType: OCI_MANIFEST, digest: sha256('missing'), size: 10 }],
    });
    const res = await client.putManifest(name, 'idx', index, OCI_INDEX);
    expect(res.status).toBe(400);
    expect(await errorCodeOf(res)).toBe('MANIFEST_BLOB_UNKNOWN');
  });

  it('refuses a manifest referencing blobs the repository lacks, and stores nothing', async () => {
    const name = uniqueRepo();
    const config = randomBlob(10);
    await client.pushBlob(name, config);
    const absentLayer = randomBlob(10);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: sha256(config), size: 10 },
      layers: [{ mediaType: OCI_LAYER, digest: sha256(absentLayer), size: 10 }],
    });
    const res = await client.putManifest(name, 'broken', manifest);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { code: string; detail: { blobs: string[] } }[] };
    expect(body.errors[0]?.code).toBe('MANIFEST_BLOB_UNKNOWN');
    expect(body.errors[0]?.detail.blobs).toEqual([sha256(absentLayer)]);
    expect((await client.request('GET', `/v2/${name}/manifests/broken`)).status).toBe(404);
    expect((await client.request('GET', `/v2/${name}/manifests/${sha256(manifest)}`)).status).toBe(404);
  });

  it('accepts foreign layers that the registry does not hold', async () => {
    const name = uniqueRepo();
    const config = randomBlob(10);
    await client.pushBlob(name, config);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST,
      config: {
        mediaType: 'application/vnd.docker.container.image.v1+json',
        digest: sha256(config),
        size: 10,
      },
      layers: [
        {
          mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
          digest: sha256('windows base layer'),
          size: 1000,
          urls: ['https://example.invalid/layer'],
        },
      ],
    });
    expect((await client.putManifest(name, 'win', manifest, DOCKER_MANIFEST)).status).toBe(201);
  });

  it.each([
    ['malformed JSON', '{"schemaVersion": 2,', OCI_MANIFEST, 400, 'MANIFEST_INVALID'],
    ['a JSON array', '[]', OCI_MANIFEST, 400, 'MANIFEST_INVALID'],
    [
      'a wrong schemaVersion',
      '{"schemaVersion":3,"config":{},"layers":[]}',
      OCI_MANIFEST,
      400,
      'MANIFEST_INVALID',
    ],
    ['an unknown media type', '{"schemaVersion":2,"layers":[]}', 'text/plain', 400, 'MANIFEST_INVALID'],
    [
      'a mediaType contradicting Content-Type',
      `{"schemaVersion":2,"mediaType":"${OCI_INDEX}","manifests":[]}`,
      OCI_MANIFEST,
      400,
      'MANIFEST_INVALID',
    ],
    [
      'a missing config',
      `{"schemaVersion":2,"mediaType":"${OCI_MANIFEST}","layers":[]}`,
      OCI_MANIFEST,
      400,
      'MANIFEST_INVALID',
    ],
    [
      'a descriptor with a bad digest',
      `{"schemaVersion":2,"config":{"mediaType":"${OCI_CONFIG}","digest":"sha256:abc","size":1},"layers":[]}`,
      OCI_MANIFEST,
      400,
      'MANIFEST_INVALID',
    ],
    [
      'a negative size',
      `{"schemaVersion":2,"config":{"mediaType":"${OCI_CONFIG}","digest":"${sha256('x')}","size":-1},"layers":[]}`,
      OCI_MANIFEST,
      400,
      'MANIFEST_INVALID',
    ],
    [
      'Docker schema 1',
      '{"schemaVersion":1,"name":"x","tag":"y","fsLayers":[]}',
      'application/vnd.docker.distribution.manifest.v1+prettyjws',
      415,
      'UNSUPPORTED',
    ],
  ])('refuses %s', async (_label, body, contentType, status, code) => {
    const res = await client.putManifest(uniqueRepo(), 'bad', body, contentType);
    expect(res.status).toBe(status);
    expect(await errorCodeOf(res)).toBe(code);
  });

  it('refuses a manifest over the size limit with 413', async () => {
    const padding = 'x'.repeat(4 * 1024 * 1024 + 1);
    const res = await client.putManifest(
      uniqueRepo(),
      'huge',
      `{"schemaVersion":2,"annotations":{"p":"${padding}"}}`,
    );
    expect(res.status).toBe(413);
    expect(await errorCodeOf(res)).toBe('MANIFEST_INVALID');
  });

  it('refuses invalid tags and digests as references', async () => {
    const name = uniqueRepo();
    const badTag = await client.putManifest(name, '-bad', '{}');
    expect(badTag.status).toBe(400);
    expect(await errorCodeOf(badTag)).toBe('MANIFEST_INVALID');
    // A tag that breaks the grammar cannot exist: reading it is "unknown", as for any absent tag.
    const readBadTag = await client.request('GET', `/v2/${name}/manifests/.INVALID`);
    expect(readBadTag.status).toBe(404);
    expect(await errorCodeOf(readBadTag)).toBe('MANIFEST_UNKNOWN');
    const badDigest = await client.request('GET', `/v2/${name}/manifests/sha256:zz`);
    expect(badDigest.status).toBe(400);
    expect(await errorCodeOf(badDigest)).toBe('DIGEST_INVALID');
    const longTag = await client.putManifest(name, 'a'.repeat(129), '{}');
    expect(longTag.status).toBe(400);
  });

  it('answers MANIFEST_UNKNOWN for absent tags and digests', async () => {
    const name = uniqueRepo();
    for (const reference of ['nope', sha256('nope')]) {
      const res = await client.request('GET', `/v2/${name}/manifests/${reference}`);
      expect(res.status).toBe(404);
      expect(await errorCodeOf(res)).toBe('MANIFEST_UNKNOWN');
    }
  });

  it('moves a tag to a newer manifest', async () => {
    const name = uniqueRepo();
    await client.pushImage(name, 'latest');
    const second = await client.pushImage(name, 'latest');
    const res = await client.request('HEAD', `/v2/${name}/manifests/latest`);
    expect(res.headers.get('docker-content-digest')).toBe(second.digest);
  });

  it('deletes a tag without deleting the manifest, and a manifest with its tags', async () => {
    const name = uniqueRepo();
    const image = await client.pushImage(name, 'a');
    expect((await client.putManifest(name, 'b', image.manifest)).status).toBe(201);
    expect((await client.request('DELETE', `/v2/${name}/manifests/a`)).status).toBe(202);
    expect((await client.request('GET', `/v2/${name}/manifests/a`)).status).toBe(404);
    expect((await client.request('GET', `/v2/${name}/manifests/${image.digest}`)).status).toBe(200);
    expect((await client.request('DELETE', `/v2/${name}/manifests/${image.digest}`)).status).toBe(202);
    expect((await client.request('GET', `/v2/${name}/manifests/b`)).status).toBe(404);
    const again = await client.request('DELETE', `/v2/${name}/manifests/${image.digest}`);
    expect(again.status).toBe(404);
    expect(await errorCodeOf(again)).toBe('MANIFEST_UNKNOWN');
  });

  it('answers OCI-Subject when the manifest has a subject', async () => {
    const name = uniqueRepo();
    const subject = await client.pushImage(name, 'v1');
    const res = await client.pushImage(name, undefined, {
      extra: {
        artifactType: 'application/vnd.example.sbom',
        subject: { mediaType: OCI_MANIFEST, digest: subject.digest, size: subject.manifest.length },
      },
    });
    const put = await client.putManifest(name, res.digest, res.manifest);
    expect(put.headers.get('oci-subject')).toBe(subject.digest);
  });
});
