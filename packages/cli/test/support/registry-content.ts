import { createHash } from 'node:crypto';
import type { MetadataStore, NewManifest } from '@berth/metadata-store';

const IMAGE_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

export function digestOf(data: string | Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function blobOf(content: string): { digest: string; size: number } {
  return { digest: digestOf(content), size: content.length };
}

/** What makes an image an artifact: the manifest it refers to, and its type. */
interface ArtifactOf {
  subject: string;
  artifactType: string;
}

/**
 * Stores an image manifest with a config and a layer made from `label`, blobs first, as a push
 * does. The manifest is compact JSON, so that printing it indented changes its bytes.
 */
export async function pushImage(
  store: MetadataStore,
  repository: string,
  label: string,
  { tag, artifact }: { tag?: string; artifact?: ArtifactOf } = {},
): Promise<NewManifest> {
  const config = blobOf(`${label} config`);
  const layer = blobOf(`${label} layer`);
  for (const blob of [config, layer]) {
    await store.addBlob(repository, { ...blob, storageKey: `blobs/${blob.digest}` });
  }
  const payload = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: IMAGE_MANIFEST,
      artifactType: artifact?.artifactType,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
      subject: artifact && { mediaType: IMAGE_MANIFEST, digest: artifact.subject, size: 1 },
    }),
  );
  const manifest: NewManifest = {
    digest: digestOf(payload),
    mediaType: IMAGE_MANIFEST,
    payload,
    ...(artifact ? { artifactType: artifact.artifactType, subjectDigest: artifact.subject } : {}),
    blobDigests: [config.digest, layer.digest],
    manifestDigests: [],
  };
  const result = await store.putManifest(repository, manifest, tag);
  if (result.status !== 'stored') throw new Error(`could not store ${label}: ${JSON.stringify(result)}`);
  return manifest;
}

/** An image manifest whose config is `blobs[0]` and layers the rest, for blobs already stored. */
export function imageOf(blobs: readonly { digest: string; size: number }[]): NewManifest {
  const [config, ...layers] = blobs.map(({ digest, size }) => ({ digest, size }));
  const payload = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: IMAGE_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: layers.map((layer) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer })),
    }),
  );
  return {
    digest: digestOf(payload),
    mediaType: IMAGE_MANIFEST,
    payload,
    blobDigests: blobs.map((blob) => blob.digest),
    manifestDigests: [],
  };
}
