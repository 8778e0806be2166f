import { BackendUnavailableError } from '@berth/backend-errors';
import { StorageFullError } from '@berth/blob-store';
import { UnstorableTextError } from '@berth/metadata-store';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { ERROR_CODES, RegistryError, type ErrorCode } from '@berth/core';
import { ERROR_STATUS, headersOf, statusOf } from './error-status';

/** The spec's error body. */
export interface ErrorBody {
  errors: { code: ErrorCode; message: string; detail?: unknown }[];
}

/** An outage: a backend out of reach (the adapters say so with one error), or out of space. */
function isBackendOutage(error: unknown): boolean {
  // Out of space is an outage for as long as it lasts: nothing of the write was kept.
  return error instanceof BackendUnavailableError || error instanceof StorageFullError;
}

/** Body-reading errors (raw-body, http-errors) that carry a client status of their own. */
function clientStatusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown; expose?: unknown } | undefined)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

/**
 * Whether the client went away: the connection is closed, so whatever failed (often with the same
 * ECONNRESET a backend outage gives) failed because the request's own stream did.
 */
function clientWentAway(req: Request): boolean {
  return req.socket.destroyed;
}

/** Maps any error to the spec's JSON body and a status, in this one place. */
export function createErrorHandler(logger: Logger) {
  // Express tells an error handler by its four parameters, so the unused `next` stays.
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (clientWentAway(req)) {
      logger.debug({ err: error, method: req.method, path: req.path }, 'client went away mid-request');
      return;
    }
    if (res.headersSent) {
      // The status is on its way: the only way left to tell the client is to cut the response short.
      logger.warn({ err: error, method: req.method, path: req.path }, 'response failed midway');
      res.destroy();
      return;
    }
    let code: ErrorCode;
    let message: string;
    let status: number;
    let detail: unknown;
    if (error instanceof RegistryError) {
      ({ code, message, detail } = error);
      status = statusOf(error);
      for (const [name, value] of Object.entries(headersOf(error))) res.setHeader(name, value);
    } else if (clientStatusOf(error) !== undefined) {
      status = clientStatusOf(error) as number;
      code = status === 413 ? 'SIZE_INVALID' : 'BLOB_UPLOAD_INVALID';
      message = (error as Error).message;
    } else if (error instanceof UnstorableTextError) {
      // Text no name, digest or media type can hold that no parser refused more precisely first.
      code = 'REQUEST_INVALID';
      status = ERROR_STATUS.REQUEST_INVALID;
      message = error.message;
    } else if (isBackendOutage(error)) {
      code = 'UNAVAILABLE';
      status = ERROR_STATUS.UNAVAILABLE;
      message = ERROR_CODES.UNAVAILABLE.description;
      res.setHeader('Retry-After', '1');
      logger.warn({ err: error, method: req.method, path: req.path }, 'backend unavailable');
    } else {
      code = 'INTERNAL_ERROR';
      status = ERROR_STATUS.INTERNAL_ERROR;
      message = ERROR_CODES.INTERNAL_ERROR.description;
      logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
    }
    const body: ErrorBody = { errors: [{ code, message, ...(detail !== undefined ? { detail } : {}) }] };
    res.status(status);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    res.json(body);
  };
}
