import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Logger, SerializedRequest } from 'pino';
import { pinoHttp } from 'pino-http';
import { currentRequestId } from '../observability/request-context';

// Probes and scrapes would drown the log.
const UNLOGGED = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The request URL as logged. Only the OCI API keeps its query (digests, mounts, paging): the token
 * endpoint's may carry a password or refresh token from a careless client, and no other endpoint
 * needs one.
 */
function loggedUrl(url: string): string {
  const query = url.indexOf('?');
  return query < 0 || url.startsWith('/v2/') ? url : url.slice(0, query);
}

/** The request as logged: no query or path parameters beyond the URL's, never a body. */
function serializeRequest(req: SerializedRequest) {
  return {
    method: req.method,
    url: loggedUrl(req.url),
    headers: req.headers,
    remoteAddress: req.remoteAddress,
    remotePort: req.remotePort,
  };
}

// A response cut off by the client closes outside the request's context; its line must still say
// which request it was.
function withRequestId(req: IncomingMessage, line: Record<string, unknown>): Record<string, unknown> {
  line.reqId = req.id;
  return line;
}

/** A line per request once its response is done, carrying the request id like every other line. */
export function createRequestLogging(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId: () => currentRequestId() ?? randomUUID(),
    serializers: { req: serializeRequest },
    autoLogging: { ignore: (req) => UNLOGGED.has(req.url ?? '') },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessObject: (req, _res, line: Record<string, unknown>) => withRequestId(req, line),
    customErrorObject: (req, _res, _error, line: Record<string, unknown>) => withRequestId(req, line),
  });
}
