import { setTimeout as sleep } from 'node:timers/promises';
import { BerthProcess, freePort, type LogEntry } from './berth-process';
import { ensureCliBuilt } from './cli-build';
import { startClusterBackends, type BackendChoice, type ClusterBackends } from './cluster-backends';
import { OciClient } from './oci-client';
import { RoundRobinClient } from './round-robin-client';

/** How to start a cluster. */
export interface ClusterOptions {
  /** Number of `berth serve` processes; 3 by default. */
  processes?: number;
  /** BERTH_* settings for every process, over the backends' and the harness's defaults. */
  env?: Record<string, string>;
  backends?: BackendChoice;
}

/** Several registry processes sharing PostgreSQL, Redis and S3, as pods behind a load balancer. */
export interface ProcessCluster {
  readonly processes: BerthProcess[];
  readonly backends: ClusterBackends;
  /** A client spreading its requests over the routable processes, one after the other, as a load balancer. */
  client(): RoundRobinClient;
  /** A client speaking to one process only. */
  clientOf(index: number): OciClient;
  /** Log lines of requests that ended in 500 INTERNAL_ERROR, on any process: each one is a registry bug. */
  internalErrors(): Promise<LogEntry[]>;
  /** Kills every process and removes what the backends hold for the cluster. */
  stop(): Promise<void>;
}

// Request logs are kept: tests read them (which worker served what, whether anything failed).
const HARNESS_ENV = { BERTH_LOG_LEVEL: 'info', BERTH_SHUTDOWN_GRACE_SECONDS: '5' };
const LOG_SETTLE_MS = 200;

/** Builds the CLI if needed, sets up backends and starts the processes, each on a port of its own. */
export async function startProcessCluster(options: ClusterOptions = {}): Promise<ProcessCluster> {
  ensureCliBuilt();
  const backends = await startClusterBackends(options.backends);
  const processes: BerthProcess[] = [];
  const stop = async () => {
    await Promise.all(processes.filter((process) => process.running).map((process) => process.kill()));
    await backends.stop();
  };
  try {
    const env = { ...backends.env, ...HARNESS_ENV, ...options.env };
    for (let i = 0; i < (options.processes ?? 3); i++)
      processes.push(new BerthProcess(await freePort(), env));
    // At once, as pods of a rollout start: migrations take an advisory lock, so they apply once.
    await Promise.all(processes.map((process) => process.start()));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    processes,
    backends,
    client: () => new RoundRobinClient(() => processes.filter((p) => p.routable).map((p) => p.url)),
    clientOf: (index) => {
      const process = processes[index];
      if (!process) throw new Error(`no process ${index}`);
      return new OciClient(process.url);
    },
    async internalErrors() {
      // Lines logged just before travel through a pipe; let them arrive.
      await sleep(LOG_SETTLE_MS);
      return processes.flatMap((process) => process.internalErrors());
    },
    stop,
  };
}

/**
 * Starts a cluster before a suite's tests and stops it after them, and fails every test after
 * which a process logged a 500. Returns the running cluster; call it from hooks and tests.
 */
export function useProcessCluster(options: ClusterOptions = {}): () => ProcessCluster {
  let cluster: ProcessCluster | undefined;
  const running = (): ProcessCluster => {
    if (!cluster) throw new Error('the process cluster did not start');
    return cluster;
  };
  beforeAll(async () => {
    cluster = await startProcessCluster(options);
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);
  afterEach(async () => {
    expect(await running().internalErrors()).toEqual([]);
  });
  return running;
}
