/** Pulls exact amounts of bytes out of a sequence of chunks of any size. */
export class ByteSource {
  private readonly chunks: AsyncIterator<Buffer>;
  private pending: Buffer | undefined;

  constructor(chunks: AsyncIterable<Buffer>) {
    this.chunks = chunks[Symbol.asyncIterator]();
  }

  /** Yields exactly `size` bytes as they arrive; throws if the source ends before. */
  async *take(size: number): AsyncGenerator<Buffer> {
    for (let left = size; left > 0;) {
      const chunk = await this.nextUpTo(left);
      if (chunk === undefined) throw new Error(`body ended ${left} bytes early`);
      left -= chunk.length;
      yield chunk;
    }
  }

  /** Up to `size` bytes in one buffer; fewer only when the source ends. */
  async read(size: number): Promise<Buffer> {
    const buffer = Buffer.allocUnsafe(size);
    let length = 0;
    while (length < size) {
      const chunk = await this.nextUpTo(size - length);
      if (chunk === undefined) break;
      length += chunk.copy(buffer, length);
    }
    return buffer.subarray(0, length);
  }

  /** Throws if the source holds more bytes. */
  async expectEnd(): Promise<void> {
    if ((await this.nextUpTo(1)) !== undefined) throw new Error('body is longer than declared');
  }

  private async nextUpTo(max: number): Promise<Buffer | undefined> {
    let chunk = this.pending;
    this.pending = undefined;
    while (chunk === undefined || chunk.length === 0) {
      const result = await this.chunks.next();
      if (result.done === true) return undefined;
      chunk = result.value;
    }
    if (chunk.length > max) {
      this.pending = chunk.subarray(max);
      return chunk.subarray(0, max);
    }
    return chunk;
  }
}
