import type { NextFunction, Request, Response } from 'express';
import { assertRepositoryName } from '@berth/core';
import type { RequestClass } from '../config/schema';
import { MethodNotAllowedError, UnknownEndpointError } from '../errors/http-errors';
import type { RouteGuard } from './access/access-guard';
import {
  CATALOG,
  DELETE,
  GLOBAL_ADMIN,
  LOGIN,
  PULL,
  PUSH,
  type RepositoryAccess,
  type RouteAccess,
} from './access/required-access';
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

/** The HTTP methods the API serves. */
export type HttpMethod = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

/** What one method of a route needs of its caller, and the rate limit it spends. */
export interface MethodDeclaration {
  readonly access: RouteAccess;
  readonly rateClass: RequestClass;
  /**
   * What the caller must hold on the repository a blob is mounted from (`from`). A mount it
   * may not make is no error: the client uploads the blob instead.
   */
  readonly mountSource?: RepositoryAccess;
}

/** A route: its template (for metrics and docs), how to match it, and what each method needs. */
export interface RouteDeclaration {
  readonly template: string;
  readonly pattern: RegExp;
  readonly methods: Readonly<Partial<Record<HttpMethod, MethodDeclaration>>>;
}

/**
 * The API's routes in matching order (uploads before blobs), each method with the access it
 * needs and its rate-limit class. A method served without an entry here does not compile.
 */
export const ROUTES = {
  base: {
    template: '/v2/',
    pattern: /^\/v2\/?$/,
    methods: {
      GET: { access: LOGIN, rateClass: 'manifestReads' },
      HEAD: { access: LOGIN, rateClass: 'manifestReads' },
    },
  },
  catalog: {
    template: '/v2/_catalog',
    pattern: /^\/v2\/_catalog$/,
    methods: { GET: { access: CATALOG, rateClass: 'manifestReads' } },
  },
  uploads: {
    template: '/v2/:name/blobs/uploads/',
    pattern: /^\/v2\/(?<name>.+)\/blobs\/uploads\/?$/,
    methods: { POST: { access: PUSH, rateClass: 'writes', mountSource: PULL } },
  },
  upload: {
    template: '/v2/:name/blobs/uploads/:uploadId',
    pattern: /^\/v2\/(?<name>.+)\/blobs\/uploads\/(?<uploadId>[^/]+)$/,
    // Every step of an upload, its status and its cancellation included, is part of a push.
    methods: {
      GET: { access: PUSH, rateClass: 'writes' },
      PATCH: { access: PUSH, rateClass: 'writes' },
      PUT: { access: PUSH, rateClass: 'writes' },
      DELETE: { access: PUSH, rateClass: 'writes' },
    },
  },
  blob: {
    template: '/v2/:name/blobs/:digest',
    pattern: /^\/v2\/(?<name>.+)\/blobs\/(?<digest>[^/]+)$/,
    methods: {
      HEAD: { access: PULL, rateClass: 'blobReads' },
      GET: { access: PULL, rateClass: 'blobReads' },
      DELETE: { access: DELETE, rateClass: 'writes' },
    },
  },
  manifest: {
    template: '/v2/:name/manifests/:reference',
    pattern: /^\/v2\/(?<name>.+)\/manifests\/(?<reference>[^/]+)$/,
    methods: {
      GET: { access: PULL, rateClass: 'manifestReads' },
      HEAD: { access: PULL, rateClass: 'manifestReads' },
      PUT: { access: PUSH, rateClass: 'writes' },
      DELETE: { access: DELETE, rateClass: 'writes' },
    },
  },
  tags: {
    template: '/v2/:name/tags/list',
    pattern: /^\/v2\/(?<name>.+)\/tags\/list$/,
    methods: { GET: { access: PULL, rateClass: 'manifestReads' } },
  },
  referrers: {
    template: '/v2/:name/referrers/:digest',
    pattern: /^\/v2\/(?<name>.+)\/referrers\/(?<digest>[^/]+)$/,
    methods: { GET: { access: PULL, rateClass: 'manifestReads' } },
  },
} as const satisfies Record<string, RouteDeclaration>;

/**
 * The admin API's routes that declare what they need here, as the OCI API's do: operations on the
 * whole registry, for global admins only. (Its account routes, under the same prefix, leave who
 * may do what to the administration service, which decides per namespace and per user.)
 */
export const ADMIN_ROUTES = {
  gc: {
    template: '/admin/v1/gc',
    pattern: /^\/admin\/v1\/gc$/,
    methods: { GET: { access: GLOBAL_ADMIN, rateClass: 'manifestReads' } },
  },
  gcDryRun: {
    template: '/admin/v1/gc/dry-run',
    pattern: /^\/admin\/v1\/gc\/dry-run$/,
    methods: { GET: { access: GLOBAL_ADMIN, rateClass: 'manifestReads' } },
  },
  gcRuns: {
    template: '/admin/v1/gc/runs',
    pattern: /^\/admin\/v1\/gc\/runs$/,
    // A run deletes, and may take long: it spends the budget of writes.
    methods: { POST: { access: GLOBAL_ADMIN, rateClass: 'writes' } },
  },
} as const satisfies Record<string, RouteDeclaration>;

/** A handler for each method a route declares, and for no other. */
export type RouteHandlers<D extends RouteDeclaration> = {
  readonly [M in keyof D['methods']]-?: RouteHandler;
};

/** One method of a route: what it needs, and the handler that serves it. */
export interface Endpoint extends MethodDeclaration {
  readonly handle: RouteHandler;
}

/** A route ready to dispatch: its declaration with a handler for each of its methods. */
export interface Route {
  readonly template: string;
  readonly pattern: RegExp;
  /** By method, in the order the route's module lists them (that of the Allow header). */
  readonly endpoints: ReadonlyMap<string, Endpoint>;
}

/** Joins a route's declaration with its handlers. */
export function defineRoute<D extends RouteDeclaration>(declaration: D, handlers: RouteHandlers<D>): Route {
  const declared: Readonly<Partial<Record<string, MethodDeclaration>>> = declaration.methods;
  const endpoints = new Map<string, Endpoint>();
  for (const [method, handle] of Object.entries<RouteHandler>(handlers)) {
    const needs = declared[method];
    if (needs === undefined) throw new Error(`${method} ${declaration.template} is not declared`);
    endpoints.set(method, { ...needs, handle });
  }
  return { template: declaration.template, pattern: declaration.pattern, endpoints };
}

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
    const endpoint = route.endpoints.get(req.method);
    if (!endpoint) {
      res.setHeader('Allow', [...route.endpoints.keys()].join(', '));
      return next(new MethodNotAllowedError(`${req.method} is not allowed on ${route.template}`));
    }
    const groups = route.pattern.exec(path)?.groups ?? {};
    const params = { name: '', reference: '', digest: '', uploadId: '', ...groups };
    try {
      if (groups.name !== undefined) assertRepositoryName(params.name);
      await guard?.(req, res, endpoint, params);
      await inFlight.track(() => endpoint.handle(req, res, params));
    } catch (error) {
      next(error);
    }
  };
}
