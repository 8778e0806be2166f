import cluster from 'node:cluster';
import {
  createLogger,
  guardProcess,
  ListenError,
  loadConfigWithNotes,
  servePodMetrics,
  startServer,
  StartupError,
  type Config,
  type OpenOptions,
  type RunningServer,
} from '@berth/server';
import type { Logger } from 'pino';
import { defineCommand, type Command, type CommandContext } from '../command';
import { commandChannel, type CommandRunner, type LentServices } from '../local-channel';

/** `serve`, running the commands that other processes send it with `runForwarded`. */
export function serveCommand(runForwarded: CommandRunner): Command {
  return defineCommand({
    name: 'serve',
    args: [],
    summary: 'start the registry (the default)',
    description: 'Runs until SIGTERM or SIGINT, then finishes the requests in flight and exits.',
    usesMetadata: false,
    options: {},
    run: (_input, context) => runServe(context, runForwarded),
  });
}

/** Runs the registry until SIGTERM or SIGINT, then stops gracefully; forks workers when configured. */
async function runServe(context: CommandContext, runForwarded: CommandRunner): Promise<void> {
  const { config, ignoredVariables } = loadConfigWithNotes(context.env);
  const logger = createLogger(config);
  guardProcess(logger);
  // Kubernetes' service links (BERTH_PORT, BERTH_SERVICE_HOST...) and the test tooling's own.
  if (ignoredVariables.length > 0)
    logger.debug(
      { variables: ignoredVariables },
      'ignored BERTH_* variables that name no setting: service links and test settings',
    );
  if (config.http.workers > 1 && cluster.isPrimary) {
    superviseWorkers(config.http.workers, logger);
    return;
  }
  // Lent to commands sent over the embedded data directory's socket while the registry serves.
  let lent: LentServices | undefined;
  const channel = commandChannel(runForwarded, context.env, () => lent);
  const running = await startOrExit(config, logger, { metadataHolder: { command: 'berth serve', channel } });
  lent = { store: running.registry.backends.metadata, gc: running.registry.gc };
  onStopSignal((signal) => {
    lent = undefined;
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

/**
 * Starts the server, or ends the process at once with one line saying why: a pod that cannot
 * listen or reach its backends must not linger looking alive (an orchestrator restarts it).
 */
async function startOrExit(config: Config, logger: Logger, options: OpenOptions): Promise<RunningServer> {
  try {
    return await startServer(config, logger, options);
  } catch (error) {
    const message = `cannot start: ${(error as Error).message}`;
    // An expected failure says all in its message; anything else is a bug, logged with its stack.
    const expected = error instanceof StartupError || error instanceof ListenError;
    logger.fatal(expected ? {} : { err: error }, message);
    // JSON is for the log collector; a person at a terminal gets the sentence too.
    if (process.stderr.isTTY) process.stderr.write(`berth: ${message}\n`);
    process.exit(1);
  }
}

function onStopSignal(handler: (signal: NodeJS.Signals) => void): void {
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
}

/**
 * Forks workers that share the listening port, replaces any that die after they served, and on
 * a stop signal passes it on and exits once every worker has drained. A worker that dies before
 * it ever listened would die the same way again (port taken, backend unreachable), so the pod
 * stops instead of forking forever.
 */
function superviseWorkers(count: number, logger: Logger): void {
  let stopping = false;
  const listened = new Set<number>();
  const stopWorkers = () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  servePodMetrics();
  for (let i = 0; i < count; i++) cluster.fork();
  cluster.on('listening', (worker) => listened.add(worker.id));
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    if (!listened.has(worker.id)) {
      // The worker logged why; this line says what the pod does about it.
      logger.error({ pid: worker.process.pid, code, signal }, 'a worker failed to start; stopping');
      stopWorkers();
      process.exit(1);
    }
    logger.error({ pid: worker.process.pid, code, signal }, 'worker died; starting another');
    cluster.fork();
  });
  logger.info({ workers: count }, 'supervising workers');
  onStopSignal((signal) => {
    stopping = true;
    logger.info({ signal }, 'stopping workers');
    stopWorkers();
  });
}
