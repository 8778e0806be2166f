import { readFileSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { processTicks, TICKS_PER_SECOND } from './cpu-time';

/** CPU time, in clock ticks, of the whole machine, of this process tree, and of PostgreSQL and Redis. */
interface CpuSnapshot {
  busy: number;
  total: number;
  ours: number;
  services: number;
}

const SERVICES = new Set(['postgres', 'redis-server']);

function snapshot(): CpuSnapshot {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.slice(0, 8).reduce((sum, value) => sum + value, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  let services = 0;
  const comms = new Map<number, string>();
  const stats = new Map<number, { comm: string; ppid: number; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = processTicks(Number(entry));
    if (stat) {
      stats.set(Number(entry), stat);
      comms.set(Number(entry), stat.comm);
    }
  }
  // Only the top process of each service: its reaped children are in its own counts.
  for (const stat of stats.values()) {
    if (SERVICES.has(stat.comm) && comms.get(stat.ppid) !== stat.comm) services += stat.ticks;
  }
  return { busy: total - idle, total, ours: processTicks('self')?.ticks ?? 0, services };
}

/**
 * Measures how much CPU other processes on the machine used while the benchmark ran: the noise
 * in its figures. Call once at the start; `stop()` once every child has exited.
 */
export function watchMachineLoad(): { stop(): string } {
  const start = snapshot();
  const started = Date.now();
  return {
    stop() {
      const end = snapshot();
      const hz = TICKS_PER_SECOND;
      const seconds = (Date.now() - started) / 1000;
      const capacity = seconds * cpus().length;
      const others = (end.busy - start.busy - (end.ours - start.ours) - (end.services - start.services)) / hz;
      const services = (end.services - start.services) / hz;
      const share = capacity > 0 ? (100 * Math.max(0, others)) / capacity : 0;
      return (
        `While it ran, processes outside the benchmark used ${Math.max(0, others).toFixed(0)} CPU-seconds ` +
        `(${share.toFixed(0)}% of the machine's ${cpus().length} cores over ${seconds.toFixed(0)} s); ` +
        `PostgreSQL and Redis used ${services.toFixed(0)} CPU-seconds (Berth's metadata and coordination, and anyone else's).` +
        (share > 10 ? ' Figures are noisy: other workloads shared the CPU.' : '')
      );
    },
  };
}
