import { createLogger, startServer, type Config } from '@berth/server';

/** Runs the registry until SIGTERM or SIGINT, then stops gracefully. */
export async function runServe(config: Config): Promise<number> {
  const logger = createLogger(config);
  const running = await startServer(config, logger);
  const shutdown = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'stopping: no longer ready, finishing requests in flight');
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  return 0;
}
