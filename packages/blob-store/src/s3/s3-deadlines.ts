import { HttpRequest } from '@smithy/core/protocols';
import { DEFAULT_MAX_ATTEMPTS, StandardRetryStrategy } from '@smithy/core/retry';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Readable } from 'node:stream';
import { S3DeadlineError, StallDeadline } from './stall-deadline';

/** How long S3 may keep a call waiting, in milliseconds. */
export interface S3Deadlines {
  /** To open a connection (or be given a pooled one). */
  connectMs: number;
  /** For an answer, and between two bytes of a body it sends or takes. */
  requestMs: number;
}

type Request = Parameters<NodeHttpHandler['handle']>[0];
type HandleOptions = NonNullable<Parameters<NodeHttpHandler['handle']>[1]>;
type Handled = Awaited<ReturnType<NodeHttpHandler['handle']>>;

/**
 * The SDK's HTTP handler with a deadline on every wait for S3. A request without a body has until
 * `requestMs` for its answer to start; one with a body, and every answer's body, go through a
 * StallDeadline, which counts only the time S3 keeps them waiting: a socket idle timeout would
 * also cut off registry clients that push or pull slowly.
 */
export class DeadlineHttpHandler extends NodeHttpHandler {
  constructor(private readonly deadlines: S3Deadlines) {
    super({
      connectionTimeout: deadlines.connectMs,
      requestTimeout: deadlines.requestMs,
      throwOnRequestTimeout: true,
    });
  }

  override async handle(request: Request, options: HandleOptions = {}): Promise<Handled> {
    const body = bytesOf(request.body);
    const handled =
      body === undefined ? await super.handle(request, options) : await this.send(request, body, options);
    const { response } = handled;
    if (response.body instanceof Readable) {
      response.body = new StallDeadline(response.body, 'source', this.deadlines.requestMs);
    }
    return handled;
  }

  private async send(request: Request, body: Readable | Buffer, options: HandleOptions): Promise<Handled> {
    const sent = new StallDeadline(body, 'reader', this.deadlines.requestMs);
    const controller = new AbortController();
    let failure: unknown;
    sent.on('error', (error) => {
      failure ??= error;
      controller.abort(error);
    });
    // The adapter's callers pass platform signals; the SDK's older signal type is not used here.
    const callers = options.abortSignal instanceof AbortSignal ? [options.abortSignal] : [];
    const abortSignal = AbortSignal.any([...callers, controller.signal]);
    // A copy carries the watched body, so that a retry of a buffered body finds the original.
    const watched = HttpRequest.clone(request);
    watched.body = sent;
    try {
      // The StallDeadline times the wait for the answer too, and only S3's share of it.
      return await super.handle(watched, { abortSignal, requestTimeout: 0 });
    } catch (error) {
      throw failure ?? error;
    } finally {
      sent.settle();
      sent.destroy();
    }
  }
}

/**
 * The SDK's standard retries, except after a deadline passed: that attempt already took the
 * whole deadline, a retry would multiply it by the number of attempts, and the registry's own
 * clients retry the 503 they are answered.
 */
export class DeadlineRetryStrategy extends StandardRetryStrategy {
  constructor() {
    super(DEFAULT_MAX_ATTEMPTS);
  }

  override refreshRetryTokenForRetry(
    ...[token, errorInfo]: Parameters<StandardRetryStrategy['refreshRetryTokenForRetry']>
  ): ReturnType<StandardRetryStrategy['refreshRetryTokenForRetry']> {
    if (isDeadline(errorInfo.error)) return Promise.reject(errorInfo.error);
    return super.refreshRetryTokenForRetry(token, errorInfo);
  }
}

/** A deadline of this adapter's or of the SDK's own (connection and request timeouts). */
function isDeadline(error: unknown): boolean {
  return error instanceof S3DeadlineError || (error instanceof Error && error.name === 'TimeoutError');
}

/** A request body as something a StallDeadline can pace; undefined when there is none. */
function bytesOf(body: unknown): Readable | Buffer | undefined {
  if (body instanceof Readable) return body;
  if (Buffer.isBuffer(body)) return body.length > 0 ? body : undefined;
  if (body instanceof Uint8Array)
    return body.length > 0 ? Buffer.from(body.buffer, body.byteOffset, body.length) : undefined;
  if (typeof body === 'string') return body.length > 0 ? Buffer.from(body) : undefined;
  return undefined;
}
