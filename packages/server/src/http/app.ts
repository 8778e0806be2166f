import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { RegistryServices } from '../services/registry-services';
import { createErrorHandler } from './error-handler';
import { createHealthRoutes, type HealthProbe } from './health-routes';
import type { InFlightHandlers } from './in-flight';
import type { RegistryMetrics } from './metrics';
import { createRouteDispatcher } from './route-table';
import { createBaseRoutes } from './routes/base-routes';
import { createBlobRoutes } from './routes/blob-routes';
import { createListingRoutes } from './routes/listing-routes';
import { createManifestRoutes } from './routes/manifest-routes';
import { createUploadRoutes } from './routes/upload-routes';

/** What the HTTP layer is built from. */
export interface AppDependencies {
  services: RegistryServices;
  metrics: RegistryMetrics;
  logger: Logger;
  probes: HealthProbe[];
  isDraining: () => boolean;
  inFlight: InFlightHandlers;
}

/** Builds the Express application: the OCI API under /v2, health and metrics. */
export function createApp({
  services,
  metrics,
  logger,
  probes,
  isDraining,
  inFlight,
}: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Request logs are written at info; below that level the middleware would only cost time.
  if (logger.isLevelEnabled('info')) {
    app.use(
      pinoHttp({
        logger,
        // Probes and scrapes would drown the log.
        autoLogging: {
          ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics',
        },
        customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
      }),
    );
  }
  app.use(metrics.middleware());
  app.use(createHealthRoutes({ probes, isDraining }));
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.end(await metrics.registry.metrics());
  });
  app.use('/v2', (_req, res, next) => {
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    next();
  });
  const routes = [
    ...createBaseRoutes(),
    ...createListingRoutes({ listing: services.listing }),
    ...createUploadRoutes({ uploads: services.uploads, blobs: services.blobs }),
    ...createBlobRoutes({ blobs: services.blobs, bytesSent: metrics.bytesSent }),
    ...createManifestRoutes({ manifests: services.manifests }),
  ];
  app.use(createRouteDispatcher(routes, inFlight));
  app.use(createErrorHandler(logger));
  return app;
}
