import { type OciClient, sha256 } from './oci-client';

/** Opens an upload session and returns its Location. */
export async function startUpload(client: OciClient, name: string): Promise<string> {
  const res = await client.request('POST', `/v2/${name}/blobs/uploads/`);
  const location = res.headers.get('location');
  if (res.status !== 202 || location === null) {
    throw new Error(`upload start failed: ${res.status} ${await res.text()}`);
  }
  return location;
}

/** Sends bytes [start, start + bytes.length) of an upload; returns the response unread. */
export function patchChunk(
  client: OciClient,
  location: string,
  bytes: Buffer,
  start: number,
): Promise<Response> {
  return client.request('PATCH', location, {
    headers: {
      'Content-Type': 'application/octet-stream',
      'Content-Range': `${start}-${start + bytes.length - 1}`,
    },
    body: bytes,
  });
}

/** The offset an upload resumes at, from a Range header ("0-0" for an empty upload, as Distribution says). */
export function resumeOffset(range: string | null): number {
  const match = /^0-(\d+)$/.exec(range ?? '');
  if (!match) throw new Error(`unexpected upload Range ${JSON.stringify(range)}`);
  const end = Number(match[1]);
  return end === 0 ? 0 : end + 1;
}

/**
 * Pushes a blob as a POST, PATCHes of `chunkSize` bytes and a closing PUT, each one a request of
 * `client`, so a round-robin client spreads them over processes. Returns the PUT's response.
 */
export async function pushChunked(
  client: OciClient,
  name: string,
  data: Buffer,
  chunkSize: number,
): Promise<Response> {
  const location = await startUpload(client, name);
  for (let start = 0; start < data.length; start += chunkSize) {
    const res = await patchChunk(client, location, data.subarray(start, start + chunkSize), start);
    await res.arrayBuffer();
    if (res.status !== 202) throw new Error(`chunk at ${start} failed: ${res.status}`);
  }
  return client.request('PUT', `${location}?digest=${sha256(data)}`);
}

/** Pulls a blob, following a redirect to storage, and returns its bytes. */
export async function pullBlob(client: OciClient, name: string, digest: string): Promise<Buffer> {
  const res = await client.request('GET', `/v2/${name}/blobs/${digest}`, { follow: true });
  if (res.status !== 200) throw new Error(`blob pull failed: ${res.status} ${await res.text()}`);
  return Buffer.from(await res.arrayBuffer());
}
