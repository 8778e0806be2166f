import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/** What every log line written while handling a request says about it. */
interface RequestContext {
  readonly reqId: string;
}

const contexts = new AsyncLocalStorage<RequestContext>();

export const REQUEST_ID_HEADER = 'X-Request-Id';

// A client's id is kept only when it is a short token: anything else could forge log lines or
// bloat every one of them.
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The id of the request being handled, wherever its handling runs; undefined outside requests. */
export function currentRequestId(): string | undefined {
  return contexts.getStore()?.reqId;
}

/**
 * Gives every request an id, the client's X-Request-Id when acceptable, else a new UUID; answers
 * with it on every response, errors included, and makes it current for all the request runs.
 */
export function requestContext() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const incoming = req.headers['x-request-id'];
    const reqId =
      typeof incoming === 'string' && ACCEPTABLE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader(REQUEST_ID_HEADER, reqId);
    contexts.run({ reqId }, next);
  };
}
