import type { Express, Request, Response } from 'express';

const RECEIVED = Symbol('bodyBytesReceived');
const SENT = Symbol('bodyBytesSent');

interface Counted {
  [RECEIVED]?: number;
  [SENT]?: number;
}

/**
 * Counts the body bytes of every request and response the app handles. The counting methods sit
 * on the app's own request and response prototypes, which Express gives every request, so no
 * request pays for a closure or a listener. A request counts the body bytes the HTTP parser hands
 * to its stream: every byte a handler reads (a body no one reads is discarded uncounted once the
 * response ends). A response counts the bytes given to write and end: none for HEAD, 204 or 304.
 */
export function countBodyBytes(app: Express): void {
  const request = app.request as Request & Counted;
  const response = app.response as Response & Counted;
  const { push } = request;
  const { write, end } = response;
  // The parser feeds a body by calling push on the request, one chunk at a time, then push(null).
  request.push = function (this: Request & Counted, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk !== null) this[RECEIVED] = (this[RECEIVED] ?? 0) + byteLength(chunk, encoding);
    return push.call(this, chunk, encoding);
  };
  // Fixed arities rather than rest arguments: these run for every response. Node tells a callback
  // from a chunk or an encoding by its type, so passing undefined for one not given is the same.
  response.write = function (
    this: Response & Counted,
    chunk: unknown,
    encoding?: unknown,
    callback?: unknown,
  ): boolean {
    countSent(this, chunk, encoding);
    return (write as AnyWrite).call(this, chunk, encoding, callback);
  } as Response['write'];
  response.end = function (
    this: Response & Counted,
    chunk?: unknown,
    encoding?: unknown,
    callback?: unknown,
  ): Response {
    countSent(this, chunk, encoding);
    return (end as AnyEnd).call(this, chunk, encoding, callback);
  } as Response['end'];
}

type AnyWrite = (this: Response, chunk: unknown, encoding: unknown, callback: unknown) => boolean;
type AnyEnd = (this: Response, chunk: unknown, encoding: unknown, callback: unknown) => Response;

function countSent(res: Response & Counted, chunk: unknown, encoding: unknown): void {
  const bytes = byteLength(chunk, encoding);
  if (bytes > 0) res[SENT] = (res[SENT] ?? 0) + bytes;
}

/** Body bytes received with a request so far. */
export function bodyBytesReceived(req: Request): number {
  return (req as Request & Counted)[RECEIVED] ?? 0;
}

/** Body bytes sent with a response so far. */
export function bodyBytesSent(res: Response): number {
  return (res as Response & Counted)[SENT] ?? 0;
}

/** The bytes of a chunk as write, end and push take it; callbacks and end-of-stream count 0. */
function byteLength(chunk: unknown, encoding: unknown): number {
  if (typeof chunk === 'string')
    return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  return ArrayBuffer.isView(chunk) ? chunk.byteLength : 0;
}
