import type { NextFunction, Request, Response } from 'express';
import { MethodNotAllowedError, UnknownEndpointError } from '../errors/http-errors';
import { assertRepositoryName } from '../oci/names';
import type { RouteGuard } from './access/access-guard';
import type { InFlightHandlers } from './in-flight';

/** Path parameters of an API route; `name` is validated before any handler runs. */
export interface RouteParams {
  name: string;
  reference: string;
  digest: string;
  uploadId: string;
}

/** A request handler of one method of one route. */
export type RouteHandler = (req: Request, res: Response, params: RouteParams) => Promise<void>;

/** A route: its template (for metrics and docs), how to match it, and its handlers by method. */
export interface Route {
  template: string;
  pattern: RegExp;
  handlers: Partial<Record<'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE', RouteHandler>>;
}

/** Route templates and patterns of the API, in matching order (uploads before blobs). */
export const ROUTES = {
  base: { template: '/v2/', pattern: /^\/v2\/?$/ },
  catalog: { template: '/v2/_catalog', pattern: /^\/v2\/_catalog$/ },
  uploads: { template: '/v2/:name/blobs/uploads/', pattern: /^\/v2\/(?<name>.+)\/blobs\/uploads\/?$/ },
  upload: {
    template: '/v2/:name/blobs/uploads/:uploadId',
    pattern: /^\/v2\/(?<name>.+)\/blobs\/uploads\/(?<uploadId>[^/]+)$/,
  },
  blob: { template: '/v2/:name/blobs/:digest', pattern: /^\/v2\/(?<name>.+)\/blobs\/(?<digest>[^/]+)$/ },
  manifest: {
    template: '/v2/:name/manifests/:reference',
    pattern: /^\/v2\/(?<name>.+)\/manifests\/(?<reference>[^/]+)$/,
  },
  tags: { template: '/v2/:name/tags/list', pattern: /^\/v2\/(?<name>.+)\/tags\/list$/ },
  referrers: {
    template: '/v2/:name/referrers/:digest',
    pattern: /^\/v2\/(?<name>.+)\/referrers\/(?<digest>[^/]+)$/,
  },
} as const;

/** Where metrics find the template of the route that served a request. */
export const ROUTE_TEMPLATE_LOCAL = 'routeTemplate';

/**
 * Dispatches /v2 requests over a table of routes, passing every other request on. Repository
 * names contain slashes, which Express's path syntax cannot express, so the table matches whole
 * paths itself.
 */
export function createRouteDispatcher(routes: Route[], inFlight: InFlightHandlers, guard?: RouteGuard) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const { path } = req;
    if (path !== '/v2' && !path.startsWith('/v2/')) return next();
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    const route = routes.find((candidate) => candidate.pattern.test(path));
    if (!route) return next(new UnknownEndpointError(`no endpoint at ${path}`));
    res.locals[ROUTE_TEMPLATE_LOCAL] = route.template;
    const handler = route.handlers[req.method as keyof Route['handlers']];
    if (!handler) {
      res.setHeader('Allow', Object.keys(route.handlers).join(', '));
      return next(new MethodNotAllowedError(`${req.method} is not allowed on ${route.template}`));
    }
    const groups = route.pattern.exec(path)?.groups ?? {};
    const params = { name: '', reference: '', digest: '', uploadId: '', ...groups };
    try {
      if (groups.name !== undefined) assertRepositoryName(params.name);
      await guard?.(req, res, route, params);
      await inFlight.track(() => handler(req, res, params));
    } catch (error) {
      next(error);
    }
  };
}
