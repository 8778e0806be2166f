import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from './config/schema';
import { listen } from './http/listen';
import { openRegistry, type OpenOptions, type Registry } from './registry';
import { BERTH_VERSION } from './version';

const IDLE_SWEEP_MS = 100;
// Node checks the headers timeout of open connections only this often (30 s by default), so a
// slow client could hold a connection for up to that much longer than the setting says.
const CONNECTIONS_CHECK_MS = 500;

/** A listening registry. */
export interface RunningServer {
  server: Server;
  registry: Registry;
  /** Base URL it listens on, e.g. http://127.0.0.1:5000. */
  url: string;
  /**
   * Stops gracefully: not ready at once, still serving for the drain time, then no new
   * connections while in-flight requests finish within the grace period.
   */
  stop(): Promise<void>;
}

/**
 * Applies the HTTP timeouts. Node's default 300 s request timeout would cut off a large layer
 * pushed by a slow CI runner, so the whole-request limit is off; instead headers must arrive
 * promptly (slowloris) and a connection on which no byte moves for the idle timeout is closed.
 */
function applyTimeouts(server: Server, http: Config['http']): void {
  server.requestTimeout = 0;
  server.headersTimeout = http.headersTimeoutSeconds * 1000;
  server.keepAliveTimeout = http.keepAliveTimeoutSeconds * 1000;
  server.timeout = http.idleTimeoutSeconds * 1000;
}

/** Answers requests that arrive while the backends are still being opened. */
function notReadyYet(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(503, { 'Retry-After': '1', 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ status: 'starting' }));
}

/**
 * Listens on the configured host and port, then opens the registry. The port is bound first so
 * that one taken by another process stops start-up at once, before any backend is opened or
 * migrated; until the registry is open, requests are answered 503.
 */
export async function startServer(
  config: Config,
  logger: Logger,
  options: OpenOptions = {},
): Promise<RunningServer> {
  // Said first, so that it is read even when start-up fails below.
  if (!config.auth.enabled) {
    logger.warn('auth is off: anyone who can reach this registry may pull, push and delete');
  }
  const server = createServer({ connectionsCheckingInterval: CONNECTIONS_CHECK_MS }, notReadyYet);
  applyTimeouts(server, config.http);
  const url = await listen(server, config.http.host, config.http.port);
  let registry: Registry;
  try {
    registry = await openRegistry(config, logger, options);
  } catch (error) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw error;
  }
  server.off('request', notReadyYet);
  server.on('request', registry.app);
  logger.info(
    {
      version: BERTH_VERSION,
      url,
      blobs: config.blobs.driver,
      metadata: config.metadata.driver,
      coordinator: config.coordinator.driver,
    },
    'registry listening',
  );

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      registry.drain();
      await drainListening(server, config.shutdown.drainSeconds);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // close() ends only the connections idle at this moment; a client keeping its connection
      // alive after a request in flight is answered would hold the process until the grace period
      // ends, so idle connections are closed again as they appear.
      server.closeIdleConnections();
      const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
      const grace = new Promise<void>((resolve) =>
        setTimeout(resolve, config.shutdown.graceSeconds * 1000).unref(),
      );
      await Promise.race([closed, grace]);
      clearInterval(sweep);
      server.closeAllConnections();
      await registry.close();
      logger.info('registry stopped');
    })();
    return stopping;
  };
  return { server, registry, url, stop };
}

/**
 * Keeps listening for `seconds` after a stop signal, /readyz answering 503 "draining", so that
 * whatever probes readiness (Kubernetes, a load balancer) takes the process out of rotation while
 * it still answers; closing the listener at once would refuse the requests still routed to it.
 * Each response meanwhile ends its connection, so clients reconnect elsewhere; idle kept-alive
 * connections are left open until then, since closing one races a request its client is sending.
 */
async function drainListening(server: Server, seconds: number): Promise<void> {
  if (seconds <= 0) return;
  const closeAfterResponse = (_req: IncomingMessage, res: ServerResponse): void => {
    res.setHeader('Connection', 'close');
  };
  server.prependListener('request', closeAfterResponse);
  await new Promise<void>((resolve) => setTimeout(resolve, seconds * 1000));
}
