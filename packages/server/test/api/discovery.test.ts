import { describeEachFlavor } from '../support/test-registry';
import { OCI_INDEX, OCI_MANIFEST, OciClient, errorCodeOf, sha256, uniqueRepo } from '../support/oci-client';

describeEachFlavor('content discovery', (registry) => {
  let client: OciClient;
  const name = uniqueRepo('discovery');
  // Byte order, not locale order: upper case before lower, '-' before '.' before '_'.
  const tags = ['B', 'a', 'a-b', 'a.b', 'a_b', 'latest', 'v1', 'v10', 'v2'];

  beforeAll(async () => {
    client = new OciClient(registry().url);
    const image = await client.pushImage(name, 'latest');
    for (const tag of tags) await client.putManifest(name, tag, image.manifest);
  });

  const tagList = async (query: string) => {
    const res = await client.request('GET', `/v2/${name}/tags/list${query}`);
    expect(res.status).toBe(200);
    return { body: (await res.json()) as { name: string; tags: string[] }, link: res.headers.get('link') };
  };

  it('lists every tag in lexical order', async () => {
    const { body, link } = await tagList('');
    expect(body).toEqual({ name, tags });
    expect(link).toBeNull();
  });

  it('pages with n and last, linking to the next page', async () => {
    const first = await tagList('?n=4');
    expect(first.body.tags).toEqual(tags.slice(0, 4));
    expect(first.link).toBe(`</v2/${name}/tags/list?n=4&last=a.b>; rel="next"`);
    const second = await tagList('?n=4&last=a.b');
    expect(second.body.tags).toEqual(tags.slice(4, 8));
    const third = await tagList('?n=4&last=v10');
    expect(third.body.tags).toEqual(['v2']);
    expect(third.link).toBeNull();
    expect((await tagList('?last=v2')).body.tags).toEqual([]);
    expect((await tagList('?n=0')).body.tags).toEqual([]);
    expect((await tagList(`?n=${tags.length}`)).link).toBeNull();
  });

  it('refuses an unusable n', async () => {
    for (const n of ['-1', 'abc', '1.5']) {
      const res = await client.request('GET', `/v2/${name}/tags/list?n=${n}`);
      expect(res.status).toBe(400);
      expect(await errorCodeOf(res)).toBe('PAGINATION_NUMBER_INVALID');
    }
  });

  it('answers NAME_UNKNOWN for tags of an unknown repository', async () => {
    const res = await client.request('GET', `/v2/${uniqueRepo()}/tags/list`);
    expect(res.status).toBe(404);
    expect(await errorCodeOf(res)).toBe('NAME_UNKNOWN');
  });

  it('lists repositories in the catalog with the same paging', async () => {
    const res = await client.request('GET', '/v2/_catalog');
    const all = ((await res.json()) as { repositories: string[] }).repositories;
    expect(all).toContain(name);
    expect([...all].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(all);
    const page = await client.request('GET', '/v2/_catalog?n=1');
    expect(((await page.json()) as { repositories: string[] }).repositories).toEqual(all.slice(0, 1));
    if (all.length > 1)
      expect(page.headers.get('link')).toBe(
        `</v2/_catalog?n=1&last=${encodeURIComponent(all[0] as string)}>; rel="next"`,
      );
  });

  describe('referrers', () => {
    const repo = uniqueRepo('referrers');
    let subjectDigest: string;
    let sbom: string;
    let signature: string;

    beforeAll(async () => {
      const subject = await client.pushImage(repo, 'v1');
      subjectDigest = subject.digest;
      const subjectDescriptor = {
        mediaType: OCI_MANIFEST,
        digest: subject.digest,
        size: subject.manifest.length,
      };
      sbom = (
        await client.pushImage(repo, undefined, {
          extra: {
            artifactType: 'application/vnd.example.sbom',
            subject: subjectDescriptor,
            annotations: { k: 'v' },
          },
        })
      ).digest;
      signature = (
        await client.pushImage(repo, undefined, {
          extra: { artifactType: 'application/vnd.example.signature', subject: subjectDescriptor },
        })
      ).digest;
    });

    it('lists the manifests that refer to a subject as an OCI index', async () => {
      const res = await client.request('GET', `/v2/${repo}/referrers/${subjectDigest}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(OCI_INDEX);
      expect(res.headers.get('oci-filters-applied')).toBeNull();
      const index = (await res.json()) as {
        schemaVersion: number;
        mediaType: string;
        manifests: Record<string, unknown>[];
      };
      expect(index.schemaVersion).toBe(2);
      expect(index.mediaType).toBe(OCI_INDEX);
      expect(index.manifests.map((m) => m.digest).sort()).toEqual([sbom, signature].sort());
      const sbomEntry = index.manifests.find((m) => m.digest === sbom);
      expect(sbomEntry).toMatchObject({
        mediaType: OCI_MANIFEST,
        artifactType: 'application/vnd.example.sbom',
        annotations: { k: 'v' },
      });
      expect(typeof sbomEntry?.size).toBe('number');
    });

    it('filters by artifactType and says so', async () => {
      const res = await client.request(
        'GET',
        `/v2/${repo}/referrers/${subjectDigest}?artifactType=${encodeURIComponent('application/vnd.example.signature')}`,
      );
      expect(res.headers.get('oci-filters-applied')).toBe('artifactType');
      const index = (await res.json()) as { manifests: { digest: string }[] };
      expect(index.manifests.map((m) => m.digest)).toEqual([signature]);
    });

    it('answers an empty index for a subject nobody refers to', async () => {
      const res = await client.request('GET', `/v2/${repo}/referrers/${sha256('nothing')}`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { manifests: unknown[] }).manifests).toEqual([]);
    });

    it('refuses a malformed subject digest', async () => {
      const res = await client.request('GET', `/v2/${repo}/referrers/sha256:bad`);
      expect(res.status).toBe(400);
      expect(await errorCodeOf(res)).toBe('DIGEST_INVALID');
    });
  });
});
