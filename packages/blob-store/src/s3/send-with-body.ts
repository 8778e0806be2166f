import type { Readable } from 'node:stream';

/**
 * Runs a request that uploads `body`, failing it as soon as a streamed body fails: the SDK pipes
 * the body into the request, a pipe does not pass errors on, and the request would otherwise wait
 * for the missing bytes until a timeout.
 */
export async function sendWithBody<T>(
  body: Readable | Buffer,
  send: (options: { abortSignal?: AbortSignal }) => Promise<T>,
): Promise<T> {
  if (Buffer.isBuffer(body)) return send({});
  const controller = new AbortController();
  let bodyError: unknown;
  const onError = (error: unknown): void => {
    bodyError ??= error;
    controller.abort();
  };
  body.on('error', onError);
  try {
    return await send({ abortSignal: controller.signal });
  } catch (error) {
    throw bodyError ?? error;
  } finally {
    body.off('error', onError);
    body.destroy();
  }
}
