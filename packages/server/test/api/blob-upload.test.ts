import { describeEachFlavor } from '../support/test-registry';
import { OciClient, errorCodeOf, randomBlob, sha256, uniqueRepo } from '../support/oci-client';

describeEachFlavor('blob uploads', (registry) => {
  let client: OciClient;
  beforeAll(() => {
    client = new OciClient(registry().url);
  });

  async function startUpload(name: string): Promise<string> {
    const res = await client.request('POST', `/v2/${name}/blobs/uploads/`);
    expect(res.status).toBe(202);
    expect(res.headers.get('range')).toBe('0-0');
    const location = res.headers.get('location');
    expect(location).toMatch(new RegExp(`^/v2/${name}/blobs/uploads/[0-9a-f-]{36}$`));
    return location as string;
  }

  async function expectBlob(name: string, data: Buffer): Promise<void> {
    const res = await client.request('GET', `/v2/${name}/blobs/${sha256(data)}`, { follow: true });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(data)).toBe(true);
  }

  it('stores a blob pushed in a single POST with its digest', async () => {
    const name = uniqueRepo();
    const data = randomBlob(100_000);
    const res = await client.request('POST', `/v2/${name}/blobs/uploads/?digest=${sha256(data)}`, {
      body: data,
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/v2/${name}/blobs/${sha256(data)}`);
    expect(res.headers.get('docker-content-digest')).toBe(sha256(data));
    await expectBlob(name, data);
  });

  it('stores a blob pushed as POST then a single PUT', async () => {
    const name = uniqueRepo();
    const data = randomBlob(300_000);
    const location = await startUpload(name);
    const res = await client.request('PUT', `${location}?digest=${sha256(data)}`, {
      headers: { 'Content-Type': 'application/octet-stream' },
      body: data,
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('docker-content-digest')).toBe(sha256(data));
    await expectBlob(name, data);
  });

  it('stores an empty blob', async () => {
    const name = uniqueRepo();
    const data = Buffer.alloc(0);
    const location = await startUpload(name);
    const res = await client.request('PUT', `${location}?digest=${sha256(data)}`);
    expect(res.status).toBe(201);
    await expectBlob(name, data);
  });

  it('assembles a chunked upload and reports progress between chunks', async () => {
    const name = uniqueRepo();
    const data = randomBlob(7 * 1024 * 1024 + 123);
    const cuts = [0, 1, 3 * 1024 * 1024, 6 * 1024 * 1024, data.length];
    const location = await startUpload(name);
    for (let i = 0; i < cuts.length - 1; i++) {
      const [start, end] = [cuts[i] as number, cuts[i + 1] as number];
      const res = await client.request('PATCH', location, {
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${start}-${end - 1}` },
        body: data.subarray(start, end),
      });
      expect(res.status).toBe(202);
      expect(res.headers.get('range')).toBe(`0-${end - 1}`);
      expect(res.headers.get('location')).toBe(location);
      const status = await client.request('GET', location);
      expect(status.status).toBe(204);
      expect(status.headers.get('range')).toBe(`0-${end - 1}`);
    }
    const done = await client.request('PUT', `${location}?digest=${sha256(data)}`);
    expect(done.status).toBe(201);
    await expectBlob(name, data);
  });

  it('accepts a last chunk in the completing PUT', async () => {
    const name = uniqueRepo();
    const data = randomBlob(50_000);
    const location = await startUpload(name);
    await client.request('PATCH', location, { body: data.subarray(0, 20_000) });
    const res = await client.request('PUT', `${location}?digest=${sha256(data)}`, {
      headers: { 'Content-Range': `20000-${data.length - 1}` },
      body: data.subarray(20_000),
    });
    expect(res.status).toBe(201);
    await expectBlob(name, data);
  });

  it('answers an out-of-order or repeated chunk with 416 and the current range', async () => {
    const name = uniqueRepo();
    const data = randomBlob(4000);
    const location = await startUpload(name);
    const first = await client.request('PATCH', location, {
      headers: { 'Content-Range': '0-1999' },
      body: data.subarray(0, 2000),
    });
    expect(first.status).toBe(202);
    const skipped = await client.request('PATCH', location, {
      headers: { 'Content-Range': '3000-3999' },
      body: data.subarray(3000),
    });
    expect(skipped.status).toBe(416);
    expect(skipped.headers.get('range')).toBe('0-1999');
    expect(skipped.headers.get('location')).toBe(location);
    expect(await errorCodeOf(skipped)).toBe('BLOB_UPLOAD_INVALID');
    const repeated = await client.request('PATCH', location, {
      headers: { 'Content-Range': '0-1999' },
      body: data.subarray(0, 2000),
    });
    expect(repeated.status).toBe(416);
    const resumed = await client.request('PATCH', location, {
      headers: { 'Content-Range': '2000-3999' },
      body: data.subarray(2000),
    });
    expect(resumed.status).toBe(202);
    expect((await client.request('PUT', `${location}?digest=${sha256(data)}`)).status).toBe(201);
    await expectBlob(name, data);
  });

  it('rejects a Content-Range that disagrees with Content-Length', async () => {
    const location = await startUpload(uniqueRepo());
    const res = await client.request('PATCH', location, {
      headers: { 'Content-Range': '0-99' },
      body: randomBlob(10),
    });
    expect(res.status).toBe(400);
    expect(await errorCodeOf(res)).toBe('SIZE_INVALID');
    const malformed = await client.request('PATCH', location, {
      headers: { 'Content-Range': 'x-y' },
      body: 'abc',
    });
    expect(malformed.status).toBe(400);
    expect(await errorCodeOf(malformed)).toBe('BLOB_UPLOAD_INVALID');
  });

  it('refuses a digest mismatch with DIGEST_INVALID and stores nothing', async () => {
    const name = uniqueRepo();
    const data = randomBlob(10_000);
    const claimed = sha256(randomBlob(10));
    const location = await startUpload(name);
    const res = await client.request('PUT', `${location}?digest=${claimed}`, { body: data });
    expect(res.status).toBe(400);
    expect(await errorCodeOf(res)).toBe('DIGEST_INVALID');
    for (const digest of [claimed, sha256(data)]) {
      expect((await client.request('HEAD', `/v2/${name}/blobs/${digest}`)).status).toBe(404);
    }
    expect((await client.request('GET', location)).status).toBe(404);
    const monolithic = await client.request('POST', `/v2/${name}/blobs/uploads/?digest=${claimed}`, {
      body: data,
    });
    expect(monolithic.status).toBe(400);
    expect(await errorCodeOf(monolithic)).toBe('DIGEST_INVALID');
    expect((await client.request('HEAD', `/v2/${name}/blobs/${claimed}`)).status).toBe(404);
  });

  it('refuses other bytes under the digest of a stored blob, which stays intact', async () => {
    const data = randomBlob(20_000);
    const [owner, other] = [uniqueRepo(), uniqueRepo()];
    await client.pushBlob(owner, data);
    const forged = Buffer.from(data);
    forged[0] = (forged[0] as number) ^ 0xff;
    for (const name of [owner, other]) {
      const location = await startUpload(name);
      const res = await client.request('PUT', `${location}?digest=${sha256(data)}`, { body: forged });
      expect(res.status).toBe(400);
      expect(await errorCodeOf(res)).toBe('DIGEST_INVALID');
    }
    await expectBlob(owner, data);
    expect((await client.request('HEAD', `/v2/${other}/blobs/${sha256(data)}`)).status).toBe(404);
  });

  it('refuses malformed and unsupported digests', async () => {
    const name = uniqueRepo();
    for (const digest of [
      'sha256:xyz',
      'md5:d41d8cd98f00b204e9800998ecf8427e',
      'sha256',
      'SHA256:' + 'a'.repeat(64),
    ]) {
      const res = await client.request(
        'POST',
        `/v2/${name}/blobs/uploads/?digest=${encodeURIComponent(digest)}`,
        {
          body: 'x',
        },
      );
      expect(res.status).toBe(400);
      expect(await errorCodeOf(res)).toBe('DIGEST_INVALID');
    }
    const location = await startUpload(name);
    const missing = await client.request('PUT', location, { body: 'abc' });
    expect(missing.status).toBe(400);
    expect(await errorCodeOf(missing)).toBe('DIGEST_INVALID');
  });

  it('verifies sha512 digests', async () => {
    const name = uniqueRepo();
    const data = randomBlob(5000);
    const { createHash } = await import('node:crypto');
    const digest = `sha512:${createHash('sha512').update(data).digest('hex')}`;
    const res = await client.request('POST', `/v2/${name}/blobs/uploads/?digest=${digest}`, { body: data });
    expect(res.status).toBe(201);
    const got = await client.request('GET', `/v2/${name}/blobs/${digest}`, { follow: true });
    expect(Buffer.from(await got.arrayBuffer()).equals(data)).toBe(true);
  });

  it('cancels an upload', async () => {
    const location = await startUpload(uniqueRepo());
    await client.request('PATCH', location, { body: randomBlob(100) });
    expect((await client.request('DELETE', location)).status).toBe(204);
    const gone = await client.request('GET', location);
    expect(gone.status).toBe(404);
    expect(await errorCodeOf(gone)).toBe('BLOB_UPLOAD_UNKNOWN');
    expect((await client.request('DELETE', location)).status).toBe(404);
  });

  it("answers BLOB_UPLOAD_UNKNOWN for unknown, malformed and other repositories' uploads", async () => {
    const name = uniqueRepo();
    const location = await startUpload(name);
    const id = location.split('/').pop() as string;
    for (const path of [
      `/v2/${name}/blobs/uploads/00000000-0000-4000-8000-000000000000`,
      `/v2/${name}/blobs/uploads/not-a-uuid`,
      `/v2/${uniqueRepo()}/blobs/uploads/${id}`,
    ]) {
      const res = await client.request('PATCH', path, { body: 'x' });
      expect(res.status).toBe(404);
      expect(await errorCodeOf(res)).toBe('BLOB_UPLOAD_UNKNOWN');
    }
  });

  it('mounts a blob from another repository', async () => {
    const source = uniqueRepo();
    const target = uniqueRepo();
    const data = randomBlob(2048);
    const digest = await client.pushBlob(source, data);
    const res = await client.request('POST', `/v2/${target}/blobs/uploads/?mount=${digest}&from=${source}`);
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/v2/${target}/blobs/${digest}`);
    await expectBlob(target, data);
  });

  it('falls back to an upload session when the mount source lacks the blob', async () => {
    const res = await client.request(
      'POST',
      `/v2/${uniqueRepo()}/blobs/uploads/?mount=${sha256(randomBlob(8))}&from=${uniqueRepo()}`,
    );
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toMatch(/\/blobs\/uploads\//);
  });

  it('mounts automatically when the blob exists and no source is named', async () => {
    const data = randomBlob(512);
    const digest = await client.pushBlob(uniqueRepo(), data);
    const target = uniqueRepo();
    const res = await client.request('POST', `/v2/${target}/blobs/uploads/?mount=${digest}`);
    expect(res.status).toBe(201);
    await expectBlob(target, data);
  });

  it('keeps one stored copy when the same blob is pushed twice', async () => {
    const data = randomBlob(4096);
    const [a, b] = [uniqueRepo(), uniqueRepo()];
    await Promise.all([client.pushBlob(a, data), client.pushBlob(b, data), client.pushBlob(a, data)]);
    await expectBlob(a, data);
    await expectBlob(b, data);
  });

  it('refuses invalid repository names before touching storage', async () => {
    for (const name of ['UPPER/case', 'a//b', 'trailing-/x', '-lead', 'a'.repeat(256)]) {
      const res = await client.request('POST', `/v2/${name}/blobs/uploads/`);
      expect(res.status).toBe(400);
      expect(await errorCodeOf(res)).toBe('NAME_INVALID');
    }
  });
});
