import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import {
  AuthenticationError,
  InvalidAccountRequestError,
  type AccessAdministration,
  type AccessPolicy,
  type GcService,
  type Identity,
} from '@berth/core';
import type { CallerIdentification } from '../../auth/caller-identification';
import type { RateLimiter } from '../../auth/rate-limiter';
import { RequestBodyError } from '../../errors/http-errors';
import { createAdminGuard, type AdminGuard } from '../access/admin-guard';
import { credentialsOf } from '../access/credentials';
import { parsePageQuery } from '../request-parsing';
import { ROUTE_TEMPLATE_LOCAL, type Route, type RouteParams } from '../route-table';
import { createAdminGcRoutes } from './admin-gc-routes';

export const ADMIN_PREFIX = '/admin/v1';
const BODY_LIMIT = '64kb';
const BASIC_CHALLENGE = 'Basic realm="berth admin", charset="UTF-8"';

export interface AdminRouteDependencies {
  administration: AccessAdministration;
  identification: CallerIdentification;
  policy: AccessPolicy;
  gc: GcService;
  rateLimiter?: RateLimiter;
}

type Body = Record<string, unknown>;

const ACTOR_LOCAL = 'adminActor';

/** A body the JSON parser refused, keeping its status where it has one of its own (413, 415). */
function bodyError(error: unknown): RequestBodyError {
  const status = (error as { status?: unknown }).status;
  const message = error instanceof Error ? error.message : String(error);
  if (status === 413 || status === 415)
    return new RequestBodyError(`request body refused: ${message}`, status);
  return new RequestBodyError(`request body is not valid JSON: ${message}`, 400);
}
type AdminHandler = (actor: Identity, req: Request, res: Response) => Promise<void>;

const NO_PARAMS: RouteParams = { name: '', reference: '', digest: '', uploadId: '' };

/**
 * Serves the routes of the route table's admin section: each checked by the guard for the access
 * and rate class it declares, then handled. Other requests pass on.
 */
function dispatchDeclared(routes: readonly Route[], guard: AdminGuard) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const path = `${ADMIN_PREFIX}${req.path}`;
    const route = routes.find((candidate) => candidate.pattern.test(path));
    const endpoint = route?.endpoints.get(req.method);
    if (!route || !endpoint) return next();
    res.locals[ROUTE_TEMPLATE_LOCAL] = route.template;
    await guard(req, res, endpoint, res.locals[ACTOR_LOCAL] as Identity);
    await endpoint.handle(req, res, NO_PARAMS);
  };
}

/**
 * The admin API: JSON over HTTP for users, namespaces, members and robots, and garbage
 * collection. Callers log in with HTTP Basic; what each may do with accounts is decided by the
 * administration service, and the operations on the whole registry declare it in the route table.
 */
export function createAdminRoutes({
  administration,
  identification,
  policy,
  gc,
  rateLimiter,
}: AdminRouteDependencies): Router {
  const router = express.Router();
  const authenticate = async (req: Request, res: Response): Promise<Identity> => {
    try {
      const credentials = credentialsOf(req);
      if (credentials?.scheme !== 'basic')
        throw new AuthenticationError('log in with HTTP Basic credentials');
      return await identification.identify(credentials, req.ip ?? req.socket.remoteAddress ?? '');
    } catch (error) {
      // A 401 must say how to authenticate, after wrong or malformed credentials as after none.
      if (error instanceof AuthenticationError) res.setHeader('WWW-Authenticate', BASIC_CHALLENGE);
      throw error;
    }
  };
  // Credentials first, so that a caller who may not use the API learns nothing from its body.
  router.use(async (req: Request, res: Response, next: NextFunction) => {
    res.locals[ACTOR_LOCAL] = await authenticate(req, res);
    next();
  });
  const parseJson = express.json({ limit: BODY_LIMIT });
  router.use((req: Request, res: Response, next: NextFunction) =>
    parseJson(req, res, (error?: unknown) => next(error === undefined ? undefined : bodyError(error))),
  );
  const handle =
    (handler: AdminHandler) =>
    async (req: Request, res: Response): Promise<void> => {
      await handler(res.locals[ACTOR_LOCAL] as Identity, req, res);
    };
  const body = (req: Request): Body => {
    const value: unknown = req.body;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new InvalidAccountRequestError('request body must be a JSON object');
    }
    return value as Body;
  };
  const param = (req: Request, name: string): string => String(req.params[name]);
  const done = (res: Response) => res.status(204).end();

  router.use(
    dispatchDeclared(
      createAdminGcRoutes({ gc }),
      createAdminGuard({ policy, ...(rateLimiter ? { rateLimiter } : {}) }),
    ),
  );

  router.get(
    '/users',
    handle(async (actor, req, res) => {
      res.json({ users: await administration.usersPage(actor, parsePageQuery(req)) });
    }),
  );
  router.post(
    '/users',
    handle(async (actor, req, res) => {
      const { name, password, globalAdmin } = body(req);
      res.status(201).json(await administration.createUser(actor, { name, password, globalAdmin }));
    }),
  );
  router.get(
    '/users/:user',
    handle(async (actor, req, res) => {
      res.json(await administration.user(actor, param(req, 'user')));
    }),
  );
  router.patch(
    '/users/:user',
    handle(async (actor, req, res) => {
      const { password, globalAdmin } = body(req);
      await administration.updateUser(actor, param(req, 'user'), { password, globalAdmin });
      done(res);
    }),
  );
  router.delete(
    '/users/:user',
    handle(async (actor, req, res) => {
      await administration.deleteUser(actor, param(req, 'user'));
      done(res);
    }),
  );

  router.get(
    '/namespaces',
    handle(async (actor, req, res) => {
      res.json({ namespaces: await administration.namespacesPage(actor, parsePageQuery(req)) });
    }),
  );
  router.post(
    '/namespaces',
    handle(async (actor, req, res) => {
      const { name, public: isPublic } = body(req);
      res.status(201).json(await administration.createNamespace(actor, { name, public: isPublic }));
    }),
  );
  router.get(
    '/namespaces/:namespace',
    handle(async (actor, req, res) => {
      res.json(await administration.namespace(actor, param(req, 'namespace')));
    }),
  );
  router.patch(
    '/namespaces/:namespace',
    handle(async (actor, req, res) => {
      await administration.updateNamespace(actor, param(req, 'namespace'), { public: body(req).public });
      done(res);
    }),
  );
  router.delete(
    '/namespaces/:namespace',
    handle(async (actor, req, res) => {
      await administration.deleteNamespace(actor, param(req, 'namespace'));
      done(res);
    }),
  );

  router.get(
    '/namespaces/:namespace/members',
    handle(async (actor, req, res) => {
      res.json({ members: await administration.members(actor, param(req, 'namespace')) });
    }),
  );
  router.put(
    '/namespaces/:namespace/members/:user',
    handle(async (actor, req, res) => {
      const [namespace, user] = [param(req, 'namespace'), param(req, 'user')];
      const { role } = body(req);
      const outcome = await administration.setMember(actor, namespace, user, role);
      res.status(outcome === 'created' ? 201 : 200).json({ namespace, user, role });
    }),
  );
  router.delete(
    '/namespaces/:namespace/members/:user',
    handle(async (actor, req, res) => {
      await administration.removeMember(actor, param(req, 'namespace'), param(req, 'user'));
      done(res);
    }),
  );

  router.get(
    '/namespaces/:namespace/robots',
    handle(async (actor, req, res) => {
      res.json({ robots: await administration.robots(actor, param(req, 'namespace')) });
    }),
  );
  router.post(
    '/namespaces/:namespace/robots',
    handle(async (actor, req, res) => {
      const { name, actions, description, expiresAt } = body(req);
      const created = await administration.createRobot(actor, param(req, 'namespace'), {
        name,
        actions,
        description,
        expiresAt,
      });
      res.setHeader('Cache-Control', 'no-store');
      res.status(201).json(created);
    }),
  );
  router.post(
    '/namespaces/:namespace/robots/:robot/revoke',
    handle(async (actor, req, res) => {
      await administration.revokeRobot(actor, param(req, 'namespace'), param(req, 'robot'));
      done(res);
    }),
  );
  router.delete(
    '/namespaces/:namespace/robots/:robot',
    handle(async (actor, req, res) => {
      await administration.deleteRobot(actor, param(req, 'namespace'), param(req, 'robot'));
      done(res);
    }),
  );
  return router;
}
