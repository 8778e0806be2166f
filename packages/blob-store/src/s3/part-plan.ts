import { Readable } from 'node:stream';
import type { ByteSource } from './byte-source';
import { MIN_PART_SIZE } from './s3-limits';

/** A run of bytes bound for one part, or for the tail when smaller than MIN_PART_SIZE (always last). */
export interface Piece {
  size: number;
  body: Readable | Buffer;
}

/**
 * Cuts `total` bytes into parts streamed straight from the source, nothing buffered. Parts are
 * `partSize` long except the last, which takes up any remainder under MIN_PART_SIZE, so that only
 * a total under MIN_PART_SIZE leaves a tail. The consumer must read each piece before the next.
 */
export async function* streamedPieces(
  source: ByteSource,
  total: number,
  partSize: number,
): AsyncGenerator<Piece> {
  const parts = total < MIN_PART_SIZE ? 0 : Math.max(1, Math.floor(total / partSize));
  for (let index = 0; index < parts - 1; index++) {
    yield { size: partSize, body: Readable.from(source.take(partSize)) };
  }
  const last = total - Math.max(0, parts - 1) * partSize;
  if (last > 0) yield { size: last, body: Readable.from(source.take(last)) };
  await source.expectEnd();
}

/** Cuts a source of unknown length into parts held in memory one at a time, and a tail. */
export async function* bufferedPieces(source: ByteSource, partSize: number): AsyncGenerator<Piece> {
  for (;;) {
    const bytes = await source.read(partSize);
    if (bytes.length > 0) yield { size: bytes.length, body: bytes };
    if (bytes.length < partSize) return;
  }
}
