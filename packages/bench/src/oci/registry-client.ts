import type { Readable } from 'node:stream';
import { request, type Agent, type Dispatcher } from 'undici';
import { createAgent, createConnection, header, requiredHeader, send, UnexpectedStatusError } from './http';
import type { SmallImage } from './image';
import { MANIFEST_ACCEPT, OCI_MANIFEST } from './media-types';
import { payloadChunks, payloadStream, type Payload } from './payload';
import { readVerified } from './verify';

/** What a pull received. */
export interface PullResult {
  bytes: number;
  /** Where the bytes came from when the registry redirected. */
  redirectedTo?: string;
}

/** A page of a tag listing. */
export interface TagPage {
  tags: string[];
  next?: string;
}

const OCTETS = 'application/octet-stream';

/** The OCI distribution protocol as a client speaks it, over one keep-alive connection pool. */
export class RegistryClient {
  readonly agent: Agent = createAgent();

  constructor(readonly baseUrl: string) {}

  url(path: string): URL {
    return new URL(path, this.baseUrl);
  }

  /** POST /blobs/uploads/: opens an upload session and answers where to send its bytes. */
  async startUpload(repository: string, dispatcher: Dispatcher = this.agent): Promise<URL> {
    const response = await send(dispatcher, this.url(`/v2/${repository}/blobs/uploads/`), {
      method: 'POST',
      headers: { 'content-length': '0' },
      expect: [202],
    });
    return new URL(requiredHeader(response, 'location'), this.baseUrl);
  }

  /** Monolithic push: POST, then one PUT streaming the whole payload. */
  async pushStreamed(repository: string, payload: Payload): Promise<void> {
    const location = await this.startUpload(repository);
    await this.finishUpload(location, payload.digest, payloadStream(payload), payload.size);
  }

  /**
   * Chunked push: POST, a PATCH per `chunkSize` bytes with Content-Range, then an empty PUT; all
   * on one connection, as docker and containerd send an upload's requests. (A pool may spread
   * them over several connections, and so over a registry's processes, which is another case.)
   */
  async pushChunked(repository: string, payload: Payload, chunkSize: number): Promise<void> {
    const connection = createConnection(this.baseUrl);
    try {
      await this.sendChunks(connection, repository, payload, chunkSize);
    } finally {
      await connection.close();
    }
  }

  private async sendChunks(
    connection: Dispatcher,
    repository: string,
    payload: Payload,
    chunkSize: number,
  ): Promise<void> {
    let location = await this.startUpload(repository, connection);
    let offset = 0;
    let pending: Buffer[] = [];
    let pendingSize = 0;
    const flush = async (): Promise<void> => {
      const body = Buffer.concat(pending, pendingSize);
      const response = await send(connection, location, {
        method: 'PATCH',
        headers: {
          'content-type': OCTETS,
          'content-length': String(body.length),
          'content-range': `${offset}-${offset + body.length - 1}`,
        },
        body,
        expect: [202],
      });
      location = new URL(requiredHeader(response, 'location'), this.baseUrl);
      offset += body.length;
      pending = [];
      pendingSize = 0;
    };
    for (const chunk of payloadChunks(payload.seed, payload.size)) {
      for (let start = 0; start < chunk.length;) {
        const piece = chunk.subarray(start, start + chunkSize - pendingSize);
        pending.push(piece);
        pendingSize += piece.length;
        start += piece.length;
        if (pendingSize === chunkSize) await flush();
      }
    }
    if (pendingSize > 0) await flush();
    await this.finishUpload(location, payload.digest, undefined, undefined, connection);
  }

  /** A small blob the way docker pushes it: HEAD (absent), POST, PUT with the bytes. */
  async pushSmallBlob(repository: string, blob: { bytes: Buffer; digest: string }): Promise<void> {
    const head = await send(this.agent, this.url(`/v2/${repository}/blobs/${blob.digest}`), {
      method: 'HEAD',
      expect: [200, 404],
    });
    if (head.status === 200) return;
    const location = await this.startUpload(repository);
    await this.finishUpload(location, blob.digest, blob.bytes, blob.bytes.length);
  }

  /** PUT <location>?digest=, with the last bytes of the blob or none. */
  async finishUpload(
    location: URL,
    digest: string,
    body?: Readable | Buffer,
    size?: number,
    dispatcher: Dispatcher = this.agent,
  ): Promise<void> {
    const target = new URL(location);
    target.searchParams.set('digest', digest);
    await send(dispatcher, target, {
      method: 'PUT',
      headers:
        body === undefined
          ? { 'content-length': '0' }
          : { 'content-type': OCTETS, 'content-length': String(size) },
      ...(body !== undefined ? { body } : {}),
      expect: [201],
    });
  }

  async putManifest(repository: string, reference: string, manifest: Buffer): Promise<void> {
    await send(this.agent, this.url(`/v2/${repository}/manifests/${reference}`), {
      method: 'PUT',
      headers: { 'content-type': OCI_MANIFEST },
      body: manifest,
      expect: [201],
    });
  }

  /** Pushes an image's blobs (in parallel, as docker does), then its manifest under `tag`. */
  async pushImage(repository: string, image: SmallImage, tag: string): Promise<void> {
    await Promise.all([image.config, ...image.layers].map((blob) => this.pushSmallBlob(repository, blob)));
    await this.putManifest(repository, tag, image.manifest.bytes);
  }

  /**
   * GET a blob and verify its digest while it streams. A redirect is followed only when
   * `followRedirect` is set; the bytes then come from the storage the registry pointed at.
   */
  async pullBlob(
    repository: string,
    digest: string,
    expectedSize: number,
    followRedirect = false,
  ): Promise<PullResult> {
    const source = this.url(`/v2/${repository}/blobs/${digest}`);
    let response = await request(source, { dispatcher: this.agent, method: 'GET' });
    let redirectedTo: string | undefined;
    if (response.statusCode === 307 && followRedirect) {
      redirectedTo = requiredHeader(response, 'location');
      await response.body.dump();
      response = await request(new URL(redirectedTo, this.baseUrl), {
        dispatcher: this.agent,
        method: 'GET',
      });
    }
    if (response.statusCode !== 200) {
      const text = await response.body.text();
      throw new UnexpectedStatusError('GET', String(source), response.statusCode, text);
    }
    const bytes = await readVerified(response.body as AsyncIterable<Buffer>, digest, expectedSize);
    return { bytes, ...(redirectedTo !== undefined ? { redirectedTo } : {}) };
  }

  /** HEAD or GET a manifest by tag. */
  async getManifest(repository: string, reference: string, method: 'GET' | 'HEAD' = 'GET'): Promise<Buffer> {
    const response = await send(this.agent, this.url(`/v2/${repository}/manifests/${reference}`), {
      method,
      headers: { accept: MANIFEST_ACCEPT },
      expect: [200],
    });
    return response.body;
  }

  /** One page of tags; `path` is a tags/list path with its query, or a Link target. */
  async tagPage(path: string): Promise<TagPage> {
    const response = await send(this.agent, this.url(path), { method: 'GET', expect: [200] });
    const parsed = JSON.parse(response.body.toString('utf8')) as { tags?: string[] | null };
    const link = header(response, 'link');
    const next = link === undefined ? undefined : /<([^>]+)>\s*;\s*rel="?next"?/.exec(link)?.[1];
    return { tags: parsed.tags ?? [], ...(next !== undefined ? { next } : {}) };
  }

  async text(path: string): Promise<string> {
    return (await send(this.agent, this.url(path), { method: 'GET', expect: [200] })).body.toString('utf8');
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
