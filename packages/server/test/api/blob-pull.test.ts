import { describeEachFlavor } from '../support/test-registry';
import { OciClient, errorCodeOf, randomBlob, sha256, uniqueRepo } from '../support/oci-client';

describeEachFlavor(
  'blob pulls',
  (registry) => {
    let client: OciClient;
    const name = uniqueRepo();
    const data = randomBlob(10_000);
    const digest = sha256(data);

    beforeAll(async () => {
      client = new OciClient(registry().url);
      await client.pushBlob(name, data);
    });

    it('serves the blob with its digest, length and type', async () => {
      const res = await client.request('GET', `/v2/${name}/blobs/${digest}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('docker-content-digest')).toBe(digest);
      expect(res.headers.get('content-length')).toBe(String(data.length));
      expect(res.headers.get('content-type')).toBe('application/octet-stream');
      expect(res.headers.get('etag')).toBe(`"${digest}"`);
      expect(Buffer.from(await res.arrayBuffer()).equals(data)).toBe(true);
    });

    it('answers HEAD with headers only', async () => {
      const res = await client.request('HEAD', `/v2/${name}/blobs/${digest}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBe(String(data.length));
      expect(res.headers.get('docker-content-digest')).toBe(digest);
      expect((await res.arrayBuffer()).byteLength).toBe(0);
    });

    it.each([
      ['bytes=0-0', 0, 0],
      ['bytes=100-199', 100, 199],
      ['bytes=9990-', 9990, 9999],
      ['bytes=-10', 9990, 9999],
      ['bytes=9000-20000', 9000, 9999],
    ])('serves the single range %s', async (range, start, end) => {
      const res = await client.request('GET', `/v2/${name}/blobs/${digest}`, { headers: { Range: range } });
      expect(res.status).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${data.length}`);
      expect(Buffer.from(await res.arrayBuffer()).equals(data.subarray(start, end + 1))).toBe(true);
    });

    it('answers 416 to a range beyond the blob', async () => {
      const res = await client.request('GET', `/v2/${name}/blobs/${digest}`, {
        headers: { Range: 'bytes=20000-30000' },
      });
      expect(res.status).toBe(416);
      expect(res.headers.get('content-range')).toBe(`bytes */${data.length}`);
      expect(await errorCodeOf(res)).toBe('RANGE_INVALID');
    });

    it('answers BLOB_UNKNOWN for a blob not in the repository', async () => {
      for (const path of [`/v2/${name}/blobs/${sha256('absent')}`, `/v2/${uniqueRepo()}/blobs/${digest}`]) {
        const res = await client.request('GET', path);
        expect(res.status).toBe(404);
        expect(await errorCodeOf(res)).toBe('BLOB_UNKNOWN');
      }
    });

    it('answers DIGEST_INVALID for a malformed digest', async () => {
      const res = await client.request('GET', `/v2/${name}/blobs/sha256:nothex`);
      expect(res.status).toBe(400);
      expect(await errorCodeOf(res)).toBe('DIGEST_INVALID');
    });

    it('deletes a blob from one repository only', async () => {
      const other = uniqueRepo();
      const blob = randomBlob(100);
      const blobDigest = await client.pushBlob(name, blob);
      await client.pushBlob(other, blob);
      expect((await client.request('DELETE', `/v2/${name}/blobs/${blobDigest}`)).status).toBe(202);
      const gone = await client.request('GET', `/v2/${name}/blobs/${blobDigest}`);
      expect(gone.status).toBe(404);
      expect(await errorCodeOf(gone)).toBe('BLOB_UNKNOWN');
      expect((await client.request('GET', `/v2/${other}/blobs/${blobDigest}`)).status).toBe(200);
      expect((await client.request('DELETE', `/v2/${name}/blobs/${blobDigest}`)).status).toBe(404);
    });
  },
  { blobs: { redirect: false } },
);

describeEachFlavor(
  'blob pulls by redirect',
  (registry) => {
    it('redirects to a URL that serves the bytes where the store can presign, and streams otherwise', async () => {
      const client = new OciClient(registry().url);
      const name = uniqueRepo();
      const data = randomBlob(4096);
      const digest = await client.pushBlob(name, data);
      const res = await client.request('GET', `/v2/${name}/blobs/${digest}`);
      if (registry().config.blobs.driver === 's3') {
        expect(res.status).toBe(307);
        const target = await fetch(res.headers.get('location') as string);
        expect(Buffer.from(await target.arrayBuffer()).equals(data)).toBe(true);
      } else {
        expect(res.status).toBe(200);
        expect(Buffer.from(await res.arrayBuffer()).equals(data)).toBe(true);
      }
    });
  },
  { blobs: { redirect: true } },
);
