import cluster from 'node:cluster';
import { createLogger, loadConfig, servePodMetrics, startServer, type Config } from '@berth/server';
import type { Logger } from 'pino';
import { defineCommand } from '../command';

export const serveCommand = defineCommand({
  name: 'serve',
  args: [],
  summary: 'start the registry (the default)',
  description: 'Runs until SIGTERM or SIGINT, then finishes the requests in flight and exits.',
  options: {},
  run: (_input, context) => runServe(loadConfig(context.env)),
});

/** Runs the registry until SIGTERM or SIGINT, then stops gracefully; forks workers when configured. */
async function runServe(config: Config): Promise<void> {
  const logger = createLogger(config);
  if (config.http.workers > 1 && cluster.isPrimary) {
    superviseWorkers(config.http.workers, logger);
    return;
  }
  const running = await startServer(config, logger);
  onStopSignal((signal) => {
    logger.info({ signal }, 'stopping: no longer ready, finishing requests in flight');
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'unclean stop');
        process.exit(1);
      },
    );
  });
}

function onStopSignal(handler: (signal: NodeJS.Signals) => void): void {
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
}

/**
 * Forks workers that share the listening port, replaces any that die, and on a stop signal
 * passes it on and exits once every worker has drained.
 */
function superviseWorkers(count: number, logger: Logger): void {
  let stopping = false;
  servePodMetrics();
  for (let i = 0; i < count; i++) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    logger.error({ pid: worker.process.pid, code, signal }, 'worker died; starting another');
    cluster.fork();
  });
  logger.info({ workers: count }, 'supervising workers');
  onStopSignal((signal) => {
    stopping = true;
    logger.info({ signal }, 'stopping workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  });
}
