import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Logger, SerializedRequest, SerializedResponse } from 'pino';
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

// What a line needs to tell who asked for what and how much: every header would make each line
// several hundred bytes of Accept lists and proxy noise. Authorization shows only as redacted.
const LOGGED_REQUEST_HEADERS = [
  'host',
  'user-agent',
  'content-type',
  'content-length',
  'content-range',
  'range',
  'x-forwarded-for',
  'authorization',
];
const LOGGED_RESPONSE_HEADERS = ['content-type', 'content-length', 'docker-content-digest', 'location'];

/** Only the named headers of those given, the ones present. */
function picked(headers: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(
    names.filter((name) => headers[name] !== undefined).map((name) => [name, headers[name]]),
  );
}

/** The request as logged: no query or path parameters beyond the URL's, never a body. */
function serializeRequest(req: SerializedRequest) {
  return {
    method: req.method,
    url: loggedUrl(req.url),
    headers: picked(req.headers, LOGGED_REQUEST_HEADERS),
    remoteAddress: req.remoteAddress,
    remotePort: req.remotePort,
  };
}

function serializeResponse(res: SerializedResponse) {
  return { statusCode: res.statusCode, headers: picked(res.headers, LOGGED_RESPONSE_HEADERS) };
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
    serializers: { req: serializeRequest, res: serializeResponse },
    autoLogging: { ignore: (req) => UNLOGGED.has(req.url ?? '') },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessObject: (req, _res, line: Record<string, unknown>) => withRequestId(req, line),
    customErrorObject: (req, _res, _error, line: Record<string, unknown>) => withRequestId(req, line),
  });
}
