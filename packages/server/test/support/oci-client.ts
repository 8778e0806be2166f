import { createHash, randomBytes } from 'node:crypto';

/** sha256 digest of bytes, as `sha256:<hex>`. */
export const sha256 = (data: Buffer | string): string =>
  `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** Random bytes, for blobs whose content does not matter. */
export const randomBlob = (size: number): Buffer => randomBytes(size);

/** A unique repository name, so tests sharing a registry never see each other's content. */
export const uniqueRepo = (prefix = 'test'): string => `${prefix}/r${randomBytes(6).toString('hex')}`;

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

/** A pushed image: its parts and the manifest that ties them together. */
export interface TestImage {
  config: Buffer;
  layers: Buffer[];
  manifest: Buffer;
  digest: string;
}

/** A thin OCI client over fetch, speaking to one registry. */
export class OciClient {
  constructor(readonly baseUrl: string) {}

  /** Sends a request; redirects are returned, not followed, unless `follow` is set. */
  request(
    method: string,
    path: string,
    init: { headers?: Record<string, string>; body?: Buffer | string; follow?: boolean } = {},
  ) {
    return fetch(new URL(path, this.baseUrl), {
      method,
      redirect: init.follow ? 'follow' : 'manual',
      ...(init.headers ? { headers: init.headers } : {}),
      ...(init.body !== undefined ? { body: init.body } : {}),
    });
  }

  /** Pushes a blob in one POST request and expects it stored. */
  async pushBlob(name: string, data: Buffer): Promise<string> {
    const digest = sha256(data);
    const res = await this.request('POST', `/v2/${name}/blobs/uploads/?digest=${digest}`, {
      headers: { 'Content-Type': 'application/octet-stream' },
      body: data,
    });
    if (res.status !== 201) throw new Error(`blob push failed: ${res.status} ${await res.text()}`);
    return digest;
  }

  /** Pushes a manifest by tag or digest; returns the response. */
  putManifest(name: string, reference: string, manifest: Buffer | string, mediaType = OCI_MANIFEST) {
    return this.request('PUT', `/v2/${name}/manifests/${reference}`, {
      headers: { 'Content-Type': mediaType },
      body: manifest,
    });
  }

  /** Pushes config, layers and an image manifest, tagged when `tag` is given. */
  async pushImage(
    name: string,
    tag?: string,
    options: { layers?: Buffer[]; extra?: Record<string, unknown> } = {},
  ): Promise<TestImage> {
    const config = Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', nonce: randomBytes(8).toString('hex') }),
    );
    const layers = options.layers ?? [randomBlob(1024), randomBlob(2048)];
    await this.pushBlob(name, config);
    for (const layer of layers) await this.pushBlob(name, layer);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: OCI_CONFIG, digest: sha256(config), size: config.length },
        layers: layers.map((layer) => ({ mediaType: OCI_LAYER, digest: sha256(layer), size: layer.length })),
        ...options.extra,
      }),
    );
    const digest = sha256(manifest);
    const res = await this.putManifest(name, tag ?? digest, manifest);
    if (res.status !== 201) throw new Error(`manifest push failed: ${res.status} ${await res.text()}`);
    return { config, layers, manifest, digest };
  }
}

/** Reads an error response and returns its first error code, checking the body's shape. */
export async function errorCodeOf(res: Response): Promise<string> {
  const body = (await res.json()) as { errors?: { code?: unknown; message?: unknown }[] };
  const first = body.errors?.[0];
  if (!first || typeof first.code !== 'string' || typeof first.message !== 'string') {
    throw new Error(`not an OCI error body: ${JSON.stringify(body)}`);
  }
  return first.code;
}
