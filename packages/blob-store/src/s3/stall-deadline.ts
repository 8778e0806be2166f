import { Readable } from 'node:stream';

/** Which end of a stream S3 is: the `source` of a response body, or the `reader` of a request body. */
export type S3Side = 'source' | 'reader';

// Buffers go out in slices this big, so that S3 taking bytes shows as progress.
const SLICE_BYTES = 64 * 1024;

/**
 * S3 kept a request waiting past its deadline. Named and coded as the SDK's own timeouts and
 * Node's socket timeouts are, so that whatever recognises those recognises this.
 */
export class S3DeadlineError extends Error {
  readonly code = 'ETIMEDOUT';

  constructor(message: string) {
    super(message);
    this.name = 'TimeoutError';
  }
}

/**
 * Passes a body's chunks on and fails once S3 leaves it waiting for `ms` in a row: as the
 * `source`, while the reader wants bytes and S3 sends none; as the `reader`, while bytes wait for
 * S3 (or the body has ended and S3 has not answered) and it takes none. Only S3's time counts: a
 * registry client pausing mid-push or reading a pull slowly stops the clock, so that its pace is
 * left to the HTTP server's own idle timeout, and a frozen S3 is noticed within `ms` all the same.
 */
export class StallDeadline extends Readable {
  #chunks: AsyncIterator<Buffer>;
  #timer: NodeJS.Timeout | undefined;
  #pulling = false;
  #settled = false;

  constructor(
    body: AsyncIterable<Buffer> | Buffer,
    private readonly s3: S3Side,
    private readonly ms: number,
  ) {
    // A request body that has ended must stay alive: S3's answer is still to come and timed.
    super({ highWaterMark: SLICE_BYTES, autoDestroy: s3 === 'source' });
    this.#chunks = (Buffer.isBuffer(body) ? slices(body) : body)[Symbol.asyncIterator]();
    // Connecting, signing and waiting for `100 Continue` all happen before S3 reads a byte.
    if (s3 === 'reader') this.#arm();
  }

  /**
   * Stops the clock for good: S3 answered, and what is left of the stream is up to the caller. A
   * request body is then destroyed by whoever settles it.
   */
  settle(): void {
    this.#settled = true;
    clearTimeout(this.#timer);
  }

  override _read(): void {
    if (this.s3 === 'reader') clearTimeout(this.#timer);
    void this.#pull();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.settle();
    this.#chunks.return?.().catch(() => undefined);
    callback(error);
  }

  async #pull(): Promise<void> {
    if (this.#pulling) return;
    this.#pulling = true;
    try {
      for (;;) {
        if (this.s3 === 'source') this.#arm();
        const { done, value } = await this.#chunks.next();
        if (this.s3 === 'source') clearTimeout(this.#timer);
        if (this.destroyed) return;
        const more = this.push(done === true ? null : value);
        if (done === true || !more) {
          if (this.s3 === 'reader') this.#arm();
          return;
        }
      }
    } catch (error) {
      this.destroy(error as Error);
    } finally {
      this.#pulling = false;
    }
  }

  #arm(): void {
    if (this.#settled) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      const what = this.s3 === 'source' ? 'sent nothing' : 'took nothing and did not answer';
      this.destroy(new S3DeadlineError(`S3 ${what} for ${this.ms} ms`));
    }, this.ms);
  }
}

async function* slices(buffer: Buffer): AsyncGenerator<Buffer> {
  for (let start = 0; start < buffer.length; start += SLICE_BYTES) {
    yield buffer.subarray(start, start + SLICE_BYTES);
  }
}
