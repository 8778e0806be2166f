import type { Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** Passes bytes through unchanged while feeding them to a hash (when given) and counting them. */
export class HashingStream extends Transform {
  bytes = 0;

  constructor(private readonly hash: Hash | undefined) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash?.update(chunk);
    callback(null, chunk);
  }
}
