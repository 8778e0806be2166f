import { UnexpectedStatusError } from '../oci/http';
import type { SmallImage } from '../oci/image';
import { RegistryClient } from '../oci/registry-client';
import { now } from '../util/units';

// A refused manifest is pushed again after its blobs, as a client retries a failed push.
const ATTEMPTS = 5;

/** Every manifest PUT's answer time, in ms. */
export interface ManifestPushes {
  putMs: number[];
  /**
   * PUTs refused with MANIFEST_BLOB_UNKNOWN: with no review delay, GC may unlink a layer between
   * its upload and the manifest (docs/gc.md); those answers count among the latencies too.
   */
  refused: number;
  ms: number;
}

/**
 * Pushes `images` as build pipelines do, from `clients` clients at once, each with a connection
 * pool and a repository of its own, one image after the other: the config and layer in
 * parallel (HEAD, POST, PUT each), then the manifest under a tag, whose PUT alone is timed.
 */
export async function pushTimed(
  url: string,
  repositoryPrefix: string,
  images: readonly SmallImage[],
  clients: number,
): Promise<ManifestPushes> {
  const result: ManifestPushes = { putMs: [], refused: 0, ms: 0 };
  const started = now();
  await Promise.all(
    Array.from({ length: Math.min(clients, images.length) }, async (_, index) => {
      const client = new RegistryClient(url);
      try {
        for (let i = index; i < images.length; i += clients) {
          await pushOne(client, `${repositoryPrefix}-${index}`, images[i] as SmallImage, `i${i}`, result);
        }
      } finally {
        await client.close();
      }
    }),
  );
  result.ms = now() - started;
  return result;
}

async function pushOne(
  client: RegistryClient,
  repository: string,
  image: SmallImage,
  tag: string,
  result: ManifestPushes,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await Promise.all([image.config, ...image.layers].map((blob) => client.pushSmallBlob(repository, blob)));
    const started = now();
    try {
      await client.putManifest(repository, tag, image.manifest.bytes);
      result.putMs.push(now() - started);
      return;
    } catch (error) {
      const refused =
        error instanceof UnexpectedStatusError &&
        error.status === 400 &&
        error.body.includes('MANIFEST_BLOB_UNKNOWN');
      if (!refused || attempt === ATTEMPTS) throw error;
      result.putMs.push(now() - started);
      result.refused++;
    }
  }
}
