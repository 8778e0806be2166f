import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
export const TICKS_PER_SECOND = 100;

/** utime + stime + cutime + cstime of a process: its CPU and that of the children it has reaped. */
export function processTicks(
  pid: number | 'self',
): { comm: string; ppid: number; ticks: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    const at = (field: number): number => Number(fields[field - 3]);
    return { comm, ppid: at(4), ticks: at(14) + at(15) + at(16) + at(17) };
  } catch {
    return undefined;
  }
}

/** CPU seconds used so far by the processes, together. */
export function cpuSeconds(pids: readonly number[]): number {
  return pids.reduce((total, pid) => total + (processTicks(pid)?.ticks ?? 0), 0) / TICKS_PER_SECOND;
}
