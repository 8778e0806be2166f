import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { MiB } from '../util/units';

/** Bytes of a blob generated on the fly: deterministic from a seed, never held in memory whole. */
export interface Payload {
  readonly seed: string;
  readonly size: number;
  /** sha256 digest, `sha256:<hex>`. */
  readonly digest: string;
}

const CHUNK = MiB;
const baseBlocks = new Map<string, Buffer>();

/** One pseudo-random block per seed (AES-CTR keystream), reused for every chunk of that seed. */
function baseBlock(seed: string): Buffer {
  let block = baseBlocks.get(seed);
  if (block === undefined) {
    const key = createHash('sha256').update(seed).digest();
    const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
    block = Buffer.concat([cipher.update(Buffer.alloc(CHUNK)), cipher.final()]);
    if (baseBlocks.size > 64) baseBlocks.clear();
    baseBlocks.set(seed, block);
  }
  return block;
}

/**
 * The chunks of a payload: each a fresh buffer (a stream may still hold the previous one), the
 * seed's block stamped with the chunk's index so that no two chunks of a blob are equal.
 */
export function* payloadChunks(seed: string, size: number): Generator<Buffer> {
  const block = baseBlock(seed);
  for (let offset = 0, index = 0; offset < size; offset += CHUNK, index++) {
    const length = Math.min(CHUNK, size - offset);
    const chunk = Buffer.allocUnsafe(length);
    block.copy(chunk, 0, 0, length);
    if (length >= 8) chunk.writeDoubleLE(index, 0);
    yield chunk;
  }
}

/** The payload's bytes as a stream. */
export function payloadStream(payload: Pick<Payload, 'seed' | 'size'>): Readable {
  return Readable.from(payloadChunks(payload.seed, payload.size), { objectMode: false });
}

/** The bytes of `size` from `seed`, with their digest computed ahead of any timed transfer. */
export function makePayload(seed: string, size: number): Payload {
  const hash = createHash('sha256');
  for (const chunk of payloadChunks(seed, size)) hash.update(chunk);
  return { seed, size, digest: `sha256:${hash.digest('hex')}` };
}

/** A small payload held in memory (configs, layers of small images, manifests). */
export function smallBlob(seed: string, size: number): { bytes: Buffer; digest: string } {
  const bytes = Buffer.concat([...payloadChunks(seed, size)]);
  return { bytes, digest: sha256Digest(bytes) };
}

export function sha256Digest(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
