import { setTimeout as sleep } from 'node:timers/promises';
import type { ProcessExit } from '../support/berth-process';
import type { ProcessCluster } from '../support/process-cluster';

/** One restart of a process during a soak. */
export interface Restart {
  port: number;
  signal: 'SIGKILL' | 'SIGTERM';
  exit: ProcessExit;
  /** From the signal until the process answered /readyz 200 again. */
  downMs: number;
}

/**
 * Every `everyMs` until `until`, stops the next process in turn, alternately with SIGKILL and
 * SIGTERM, and starts it again on its port once it has exited.
 */
export async function churnProcesses(
  cluster: ProcessCluster,
  everyMs: number,
  until: number,
  onRestart: (restart: Restart) => void,
): Promise<Restart[]> {
  const restarts: Restart[] = [];
  for (let turn = 0; Date.now() + everyMs < until; turn++) {
    await sleep(everyMs);
    const process = cluster.processes[turn % cluster.processes.length];
    if (!process) break;
    const signal = turn % 2 === 0 ? 'SIGKILL' : 'SIGTERM';
    const signalledAt = Date.now();
    process.signal(signal);
    const exit = await process.exited();
    await process.start();
    const restart = { port: process.port, signal, exit, downMs: Date.now() - signalledAt } as const;
    restarts.push(restart);
    onRestart(restart);
  }
  return restarts;
}
