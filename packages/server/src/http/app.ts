import cluster from 'node:cluster';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { RegistryServices } from '@berth/core';
import type { AccessServices } from '../auth/access-services';
import { podMetrics } from '../observability/pod-metrics';
import type { RegistryMetrics } from '../observability/registry-metrics';
import { requestContext } from '../observability/request-context';
import { createAccessGuard, identityOf } from './access/access-guard';
import { countBodyBytes } from './body-bytes';
import { UnknownEndpointError } from '../errors/http-errors';
import { createErrorHandler } from './error-handler';
import { createHealthRoutes, type HealthProbe } from './health-routes';
import type { InFlightHandlers } from './in-flight';
import { routesMountedAt } from './metrics';
import { createRequestLogging } from './request-logging';
import { createRouteDispatcher } from './route-table';
import { createBaseRoutes } from './routes/base-routes';
import { createBlobRoutes } from './routes/blob-routes';
import { createListingRoutes } from './routes/listing-routes';
import { createManifestRoutes } from './routes/manifest-routes';
import { ADMIN_PREFIX, createAdminRoutes } from './routes/admin-routes';
import { createTokenRoutes } from './routes/token-routes';
import { createUploadRoutes } from './routes/upload-routes';

/** What the HTTP layer is built from. */
export interface AppDependencies {
  services: RegistryServices;
  access: AccessServices;
  metrics: RegistryMetrics;
  logger: Logger;
  probes: HealthProbe[];
  isDraining: () => boolean;
  inFlight: InFlightHandlers;
  /** Proxies whose X-Forwarded-For names the client. */
  trustedProxyHops: number;
}

/** Builds the Express application: the OCI API under /v2, health and metrics. */
export function createApp({
  services,
  access,
  metrics,
  logger,
  probes,
  isDraining,
  inFlight,
  trustedProxyHops,
}: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (trustedProxyHops > 0) app.set('trust proxy', trustedProxyHops);
  countBodyBytes(app);
  app.use(requestContext());
  // Request logs are written at info; below that level the middleware would only cost time.
  if (logger.isLevelEnabled('info')) app.use(createRequestLogging(logger));
  app.use(metrics.http.middleware());
  const { auth, rateLimiter, namespaces } = access;
  if (auth) {
    app.use(createTokenRoutes(auth));
    app.use(
      ADMIN_PREFIX,
      routesMountedAt(ADMIN_PREFIX),
      createAdminRoutes({ ...auth, gc: services.gc, ...(rateLimiter ? { rateLimiter } : {}) }),
    );
  }
  const routes = [
    ...createBaseRoutes(),
    ...createListingRoutes({
      listing: services.listing,
      ...(auth ? { catalogFilter: (res) => auth.policy.catalogFilter(identityOf(res)) } : {}),
    }),
    ...createUploadRoutes({
      uploads: services.uploads,
      blobs: services.blobs,
      // With auth on, a blob is mounted only from a named repository the caller may pull.
      mayMountFrom: async (res, from, needs) =>
        !auth || (from !== undefined && (await auth.policy.allows(identityOf(res), from, needs.actions))),
    }),
    ...createBlobRoutes({ blobs: services.blobs, pulls: metrics.blobs.pulls }),
    ...createManifestRoutes({ manifests: services.manifests }),
  ];
  const guard =
    auth || rateLimiter
      ? createAccessGuard({
          namespaces,
          ...(auth ? { access: auth } : {}),
          ...(rateLimiter ? { rateLimiter } : {}),
        })
      : undefined;
  // The API first: it takes the traffic, and every layer before it costs each request time.
  app.use(createRouteDispatcher(routes, inFlight, guard));
  app.use(createHealthRoutes({ probes, isDraining }));
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.end(await (cluster.isWorker ? podMetrics() : metrics.registry.metrics()));
  });
  app.use((req, _res, next) => next(new UnknownEndpointError(`no endpoint at ${req.path}`)));
  app.use(createErrorHandler(logger));
  return app;
}
