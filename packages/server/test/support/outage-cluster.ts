import type { OciClient } from './oci-client';
import { freePort } from './berth-process';
import type { BackendChoice } from './cluster-backends';
import { startProcessCluster, type ProcessCluster } from './process-cluster';

/** Two registry processes on a backend of the test's own, which the test stops and restarts. */
export interface OutageCluster<B> {
  backend: B;
  cluster: ProcessCluster;
  /** A client for each process. */
  on: OciClient[];
}

/**
 * Starts the backend and the cluster before the file's tests and stops both after them;
 * returns an accessor for use inside the tests.
 */
export function useOutageCluster<B>(options: {
  startBackend(port: number): Promise<B>;
  choice(backend: B): BackendChoice;
  stopBackend(backend: B): Promise<void>;
  env?: Record<string, string>;
}): () => OutageCluster<B> {
  let backend: B | undefined;
  let state: OutageCluster<B> | undefined;
  beforeAll(async () => {
    backend = await options.startBackend(await freePort());
    const cluster = await startProcessCluster({
      processes: 2,
      backends: options.choice(backend),
      ...(options.env ? { env: options.env } : {}),
    });
    state = { backend, cluster, on: cluster.processes.map((_, index) => cluster.clientOf(index)) };
  }, 120_000);
  afterAll(async () => {
    await state?.cluster.stop();
    if (backend !== undefined) await options.stopBackend(backend);
  }, 60_000);
  return () => {
    if (!state) throw new Error('the outage cluster did not start');
    return state;
  };
}
