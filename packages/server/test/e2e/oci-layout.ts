import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { OCI_CONFIG, OCI_INDEX, OCI_LAYER, OCI_MANIFEST, sha256 } from '../support/oci-client';
import { tarOf, type TarFile } from './tar';

/** An OCI content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

/** The platform an image runs on. */
export interface Platform {
  os: string;
  architecture: string;
}

/** An image's manifest descriptor and the digests of its parts. */
export interface BuiltImage {
  manifest: Descriptor;
  config: string;
  layers: string[];
}

const REF_NAME = 'org.opencontainers.image.ref.name';

/** Builds images in memory and writes them as an OCI image layout directory. */
export class OciLayoutBuilder {
  readonly blobs = new Map<string, Buffer>();

  /** Stores bytes as a blob and returns their descriptor. */
  addBlob(mediaType: string, bytes: Buffer): Descriptor {
    const digest = sha256(bytes);
    this.blobs.set(digest, bytes);
    return { mediaType, digest, size: bytes.length };
  }

  /** Adds an image whose layers are gzip-compressed tars of the given files, one array per layer. */
  addImage(layers: TarFile[][], platform: Platform = { os: 'linux', architecture: 'amd64' }): BuiltImage {
    const tars = layers.map((files) => tarOf(files));
    // Level 1: the bytes only need to be valid gzip, and large random layers compress slowly.
    const layerDescriptors = tars.map((tar) => this.addBlob(OCI_LAYER, gzipSync(tar, { level: 1 })));
    const config = this.addBlob(
      OCI_CONFIG,
      Buffer.from(
        JSON.stringify({
          created: '2024-01-01T00:00:00Z',
          ...platform,
          config: { Cmd: ['/bin/app'], Env: ['PATH=/bin'] },
          // Clients check each unpacked layer against its diff ID, the digest of the uncompressed tar.
          rootfs: { type: 'layers', diff_ids: tars.map((tar) => sha256(tar)) },
          history: tars.map(() => ({ created: '2024-01-01T00:00:00Z', created_by: 'berth e2e' })),
        }),
      ),
    );
    const manifest = this.addBlob(
      OCI_MANIFEST,
      Buffer.from(
        JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: layerDescriptors }),
      ),
    );
    return {
      manifest: { ...manifest, platform },
      config: config.digest,
      layers: layerDescriptors.map((layer) => layer.digest),
    };
  }

  /** Adds an image index over platform manifests. */
  addIndex(manifests: Descriptor[]): Descriptor {
    return this.addBlob(
      OCI_INDEX,
      Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests })),
    );
  }

  /** The layout's files, naming each root descriptor by its tag. */
  files(tags: Record<string, Descriptor>): TarFile[] {
    const manifests = Object.entries(tags).map(([tag, { mediaType, digest, size }]) => ({
      mediaType,
      digest,
      size,
      annotations: { [REF_NAME]: tag },
    }));
    return [
      { path: 'oci-layout', content: Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })) },
      { path: 'index.json', content: Buffer.from(JSON.stringify({ schemaVersion: 2, manifests })) },
      ...[...this.blobs].map(([digest, content]) => ({ path: `blobs/sha256/${hexOf(digest)}`, content })),
    ];
  }

  /** Writes the layout as a directory. */
  async write(dir: string, tags: Record<string, Descriptor>): Promise<void> {
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
    for (const file of this.files(tags)) await writeFile(join(dir, file.path), file.content);
  }

  /** The layout as an OCI archive: an uncompressed tar of the directory's files. */
  archive(tags: Record<string, Descriptor>): Buffer {
    return tarOf(this.files(tags));
  }
}

/** An OCI layout read back from disk. */
export interface ReadLayout {
  /** Root descriptors by tag. */
  tags: Map<string, Descriptor>;
  blobs: Map<string, Buffer>;
}

function hexOf(digest: string): string {
  return digest.slice('sha256:'.length);
}

/** Reads every blob and tag of a layout, failing if a blob's bytes do not match its name. */
export async function readOciLayout(dir: string): Promise<ReadLayout> {
  const blobDir = join(dir, 'blobs', 'sha256');
  const blobs = new Map<string, Buffer>();
  for (const name of await readdir(blobDir)) {
    const bytes = await readFile(join(blobDir, name));
    if (sha256(bytes) !== `sha256:${name}`)
      throw new Error(`blob ${name} in ${dir} does not match its digest`);
    blobs.set(`sha256:${name}`, bytes);
  }
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
  const tags = new Map(
    index.manifests.map((descriptor) => [descriptor.annotations?.[REF_NAME] ?? '', descriptor]),
  );
  return { tags, blobs };
}

/**
 * Digests whose bytes differ between two blob sets, or that only one holds: empty when the
 * sets are identical. Kept as a list so a failure names the blobs rather than diffing MiB.
 */
export function blobDifferences(actual: Map<string, Buffer>, expected: Map<string, Buffer>): string[] {
  const differences: string[] = [];
  for (const [digest, bytes] of expected) {
    const other = actual.get(digest);
    if (!other) differences.push(`missing ${digest}`);
    else if (!other.equals(bytes)) differences.push(`different ${digest}`);
  }
  for (const digest of actual.keys()) if (!expected.has(digest)) differences.push(`unexpected ${digest}`);
  return differences;
}
