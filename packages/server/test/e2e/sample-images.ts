import { randomBytes } from 'node:crypto';
import type { TarFile } from './tar';

const MiB = 1024 * 1024;

/**
 * Above two 8 MiB S3 parts plus an odd remainder, so uploads cross part boundaries and leave
 * a tail smaller than the 5 MiB multipart minimum.
 */
export const LARGE_LAYER_BYTES = 17 * MiB + 4321;

/** A layer with one small text file, distinct per call so tests never share blobs by accident. */
export function textLayer(path: string, text: string): TarFile[] {
  return [{ path, content: Buffer.from(`${text}\n${randomBytes(8).toString('hex')}\n`) }];
}

/** A layer of a few hundred KiB that compresses well, in two files. */
export function mediumLayer(prefix: string): TarFile[] {
  const line = `${prefix} ${randomBytes(16).toString('hex')} the quick brown fox\n`;
  return [
    { path: `${prefix}/lines.txt`, content: Buffer.from(line.repeat(4000)) },
    { path: `${prefix}/noise.bin`, content: randomBytes(64 * 1024) },
  ];
}

/** A layer holding one file of incompressible random bytes. */
export function randomLayer(path: string, bytes: number): TarFile[] {
  return [{ path, content: randomBytes(bytes) }];
}

/** Three layers of very different sizes: text, medium, and a large random one. */
export function threeLayers(largeBytes = LARGE_LAYER_BYTES): TarFile[][] {
  return [
    textLayer('etc/motd', 'hello from berth'),
    mediumLayer('usr/share/e2e'),
    randomLayer('data/big.bin', largeBytes),
  ];
}
