import type { NextFunction, Request, Response } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';
import { bodyBytesReceived, bodyBytesSent } from './body-bytes';
import { ROUTE_TEMPLATE_LOCAL } from './route-table';

const STARTED = Symbol('requestStarted');
const ROUTE_MOUNT_LOCAL = 'routeMount';

type Timed = Response & { [STARTED]?: number };

/** HTTP requests, their duration and their body bytes, by route template. */
export class HttpMetrics {
  readonly #requests: Counter<'route' | 'method' | 'status'>;
  readonly #duration: Histogram<'route' | 'method'>;
  readonly #bytesIn: Counter<'route' | 'method'>;
  readonly #bytesOut: Counter<'route' | 'method'>;
  // One listener for every response, so a request costs no closure: `this` is the response.
  readonly #onClose: (this: Response) => void;

  constructor(registry: Registry) {
    const registers = [registry];
    this.#requests = new Counter({
      name: 'berth_http_requests_total',
      help: 'HTTP requests by route template, method and status.',
      labelNames: ['route', 'method', 'status'],
      registers,
    });
    this.#duration = new Histogram({
      name: 'berth_http_request_duration_seconds',
      help: 'HTTP request duration by route template and method.',
      labelNames: ['route', 'method'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.#bytesIn = new Counter({
      name: 'berth_http_request_body_bytes_total',
      help: 'Request body bytes read, by route template and method.',
      labelNames: ['route', 'method'],
      registers,
    });
    this.#bytesOut = new Counter({
      name: 'berth_http_response_body_bytes_total',
      help: 'Response body bytes written, by route template and method.',
      labelNames: ['route', 'method'],
      registers,
    });
    const record = (res: Timed) => this.#record(res);
    this.#onClose = function (this: Response) {
      record(this);
    };
  }

  /** Times every request and counts it and its body bytes under its route once the response is done. */
  middleware() {
    const onClose = this.#onClose;
    return (_req: Request, res: Response, next: NextFunction): void => {
      (res as Timed)[STARTED] = performance.now();
      // A response closes once; `once` would wrap the listener anew for every request.
      res.on('close', onClose);
      next();
    };
  }

  #record(res: Timed): void {
    const { req } = res;
    const route = routeOf(req, res);
    const { method } = req;
    const labels = { route, method };
    this.#duration.observe(labels, (performance.now() - (res[STARTED] ?? 0)) / 1000);
    this.#requests.inc({ route, method, status: String(res.statusCode) });
    const received = bodyBytesReceived(req);
    if (received > 0) this.#bytesIn.inc(labels, received);
    const sent = bodyBytesSent(res);
    if (sent > 0) this.#bytesOut.inc(labels, sent);
  }
}

/**
 * Labels the Express routes of a router mounted at `prefix` with their whole path. Express forgets
 * the mount path once an error leaves the router, before the response is done.
 */
export function routesMountedAt(prefix: string) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    res.locals[ROUTE_MOUNT_LOCAL] = prefix;
    next();
  };
}

/** The API route template; else the Express route's path (token, admin, health); else "unmatched". */
function routeOf(req: Request, res: Response): string {
  const template = res.locals[ROUTE_TEMPLATE_LOCAL] as string | undefined;
  if (template !== undefined) return template;
  const path = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path !== 'string') return 'unmatched';
  return `${(res.locals[ROUTE_MOUNT_LOCAL] as string | undefined) ?? ''}${path}`;
}
