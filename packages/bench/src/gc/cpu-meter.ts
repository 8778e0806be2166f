import { processTicks, TICKS_PER_SECOND } from '../process/cpu-time';
import type { Endpoint } from '../targets/registry-target';
import { backendPids, withDatabase } from './gc-database';

/** CPU-seconds spent since the meter started. */
export interface CpuSpent {
  registry: number;
  postgres: number;
}

export interface CpuMeter {
  read(): Promise<CpuSpent>;
}

/**
 * Meters the CPU of a deployment's processes and of the PostgreSQL backends serving its
 * database: GC is mostly database work, which the registry's own figure leaves out. A process
 * that appears meanwhile (a pool growing) counts whole; one that exits meanwhile is lost.
 */
export async function startCpuMeter(deployment: Endpoint, databaseUrl: string): Promise<CpuMeter> {
  const backends = (): Promise<number[]> => withDatabase(databaseUrl, backendPids);
  const snapshot = (pids: number[]): Map<number, number> =>
    new Map(pids.map((pid) => [pid, processTicks(pid)?.ticks ?? 0]));
  const registryAtStart = snapshot(deployment.pids());
  const postgresAtStart = snapshot(await backends());
  const spent = (atStart: Map<number, number>, pids: number[]): number => {
    let ticks = 0;
    for (const pid of new Set([...atStart.keys(), ...pids])) {
      const current = processTicks(pid)?.ticks;
      if (current !== undefined) ticks += current - (atStart.get(pid) ?? 0);
    }
    return ticks / TICKS_PER_SECOND;
  };
  return {
    async read() {
      return {
        registry: spent(registryAtStart, deployment.pids()),
        postgres: spent(postgresAtStart, await backends()),
      };
    },
  };
}
