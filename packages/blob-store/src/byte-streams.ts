import type { Readable } from 'node:stream';

/**
 * A body's chunks as Buffers. Leaving early does not destroy the body: the caller owns it, and an
 * HTTP server must still be able to answer a request whose body it did not read to the end.
 */
export async function* bytesOf(body: Readable): AsyncGenerator<Buffer> {
  for await (const chunk of body.iterator({ destroyOnReturn: false })) {
    yield toBuffer(chunk);
  }
}

/** Chunks passed through unchanged, counted, and checked against a declared length when there is one. */
export class MeteredBytes implements AsyncIterable<Buffer> {
  /** Bytes passed through so far. */
  bytes = 0;

  constructor(
    private readonly source: AsyncIterable<Buffer>,
    private readonly expected: number | undefined,
  ) {
    if (expected !== undefined && !(Number.isSafeInteger(expected) && expected >= 0)) {
      throw new RangeError(`a body length must be a whole number of bytes, not ${expected}`);
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    for await (const chunk of this.source) {
      this.bytes += chunk.length;
      if (this.expected !== undefined && this.bytes > this.expected) {
        throw new Error(`body is longer than its declared ${this.expected} bytes`);
      }
      yield chunk;
    }
    if (this.expected !== undefined && this.bytes < this.expected) {
      throw new Error(`body ended after ${this.bytes} of its declared ${this.expected} bytes`);
    }
  }
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk);
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError('a body must yield bytes');
}
