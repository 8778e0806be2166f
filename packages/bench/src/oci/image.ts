import { OCI_CONFIG, OCI_LAYER, OCI_MANIFEST } from './media-types';
import { sha256Digest, smallBlob } from './payload';

export interface BlobBytes {
  bytes: Buffer;
  digest: string;
}

/** A small image held in memory: its config, its layers and its manifest. */
export interface SmallImage {
  config: BlobBytes;
  layers: BlobBytes[];
  manifest: BlobBytes;
}

/** An OCI image of `layerCount` layers of `layerSize` bytes each, all distinct for each seed. */
export function makeSmallImage(seed: string, layerCount: number, layerSize: number): SmallImage {
  const layers = Array.from({ length: layerCount }, (_, i) => smallBlob(`${seed}/layer-${i}`, layerSize));
  const configBytes = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Env: [`BENCH_SEED=${seed}`] },
      rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.digest) },
    }),
  );
  const config = { bytes: configBytes, digest: sha256Digest(configBytes) };
  const manifestBytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: config.digest, size: config.bytes.length },
      layers: layers.map((layer) => ({
        mediaType: OCI_LAYER,
        digest: layer.digest,
        size: layer.bytes.length,
      })),
    }),
  );
  return { config, layers, manifest: { bytes: manifestBytes, digest: sha256Digest(manifestBytes) } };
}
