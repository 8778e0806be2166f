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

// Errors from sockets and drivers that mean "a backend is unreachable right now".
const UNAVAILABLE_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  '57P01', // PostgreSQL admin_shutdown
  '57P03', // PostgreSQL cannot_connect_now
  '08006', // PostgreSQL connection_failure
  '57014', // PostgreSQL query_canceled: statement_timeout, as the registry cancels nothing itself
]);

// Error classes that drivers raise only when their backend cannot be reached: ioredis fails a
// command this way when the connection drops or cannot be made (with maxRetriesPerRequest 0). The
// AWS SDK names its connection and request timeouts TimeoutError, as the S3 adapter names its own
// deadlines; RequestTimeout is S3 giving up on a request body that stopped coming.
const UNAVAILABLE_ERROR_NAMES = new Set(['MaxRetriesPerRequestError', 'TimeoutError', 'RequestTimeout']);

function isBackendOutage(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // Out of space is an outage for as long as it lasts: nothing of the write was kept.
  if (error instanceof StorageFullError) return true;
  if (UNAVAILABLE_ERROR_NAMES.has(error.name)) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE_ERROR_CODES.has(code)) return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (typeof status === 'number' && status >= 500) return true;
  // pg's deadlines (connect, query read) and ioredis' commandTimeout carry nothing but a message.
  return /Connection terminated|Connection is closed|connect ECONNREFUSED|socket hang up|timeout exceeded when trying to connect|Query read timeout|Command timed out/i.test(
    error.message,
  );
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
