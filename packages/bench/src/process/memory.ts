import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { MiB } from '../util/units';

/** Resident memory of a process, from /proc/<pid>/status, in bytes; undefined once it is gone. */
export function residentMemory(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): number => {
      const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
      return match ? Number(match[1]) * 1024 : 0;
    };
    return { rss: field('VmRSS'), hwm: field('VmHWM') };
  } catch {
    return undefined;
  }
}

/** Resets the peak resident size (VmHWM) of a process; false where the kernel refuses. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** A process and every process below it (cluster workers). */
export function processTree(pid: number): number[] {
  const tree = [pid];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const child of children.split(/\s+/).filter(Boolean)) tree.push(...processTree(Number(child)));
    }
  } catch {
    // gone
  }
  return tree;
}

/** The highest resident size seen of one process, and what was running then. */
export interface Peak {
  bytes: number;
  phase: string;
}

/**
 * Watches the resident memory of processes over a window: samples VmRSS every `intervalMs` and,
 * where the kernel lets the peak be reset at the start, reads VmHWM at the end as well, so a spike
 * between two samples still counts. Peaks are per process, in bytes.
 */
export class MemoryWatch {
  /** What is running now; recorded with each new peak. */
  phase = '';
  private readonly peaks = new Map<number, Peak>();
  private readonly timer: NodeJS.Timeout;
  private readonly peakReset: Set<number>;

  constructor(
    private readonly pids: readonly number[],
    intervalMs = 50,
    /** Reset and read VmHWM too; off for a watch that overlaps others (a reset is global). */
    usePeak = true,
  ) {
    this.peakReset = new Set(usePeak ? pids.filter((pid) => resetPeak(pid)) : []);
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  /** Counts a peak seen by another watch. */
  note(pid: number, bytes: number, phase = this.phase): void {
    const current = this.peaks.get(pid);
    if (current === undefined || bytes > current.bytes) this.peaks.set(pid, { bytes, phase });
  }

  private sample(): void {
    for (const pid of this.pids) {
      const memory = residentMemory(pid);
      if (memory) this.note(pid, memory.rss);
    }
  }

  /** Stops watching; returns the peak of each process. */
  stop(): Map<number, Peak> {
    clearInterval(this.timer);
    this.sample();
    for (const pid of this.peakReset) {
      const memory = residentMemory(pid);
      if (memory) this.note(pid, memory.hwm);
    }
    return this.peaks;
  }
}

export const toMiB = (bytes: number): number => bytes / MiB;

/**
 * Watches a process that was just started and whatever it forks: samples the resident size of
 * the whole tree every `intervalMs` and keeps the highest sum. A fresh process's VmHWM is its
 * peak since it started, so `peak()` is exact for a process without children, whose every spike
 * counts even between two samples.
 */
export class TreeMemoryWatch {
  private readonly timer: NodeJS.Timeout;
  private readonly hwm = new Map<number, number>();
  private sampledPeak = 0;
  private last = 0;

  constructor(
    private readonly root: number,
    intervalMs = 50,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  /** The processes of the tree now. */
  pids(): number[] {
    return processTree(this.root);
  }

  /** The resident size of the tree now, in bytes (and counted as a sample). */
  current(): number {
    this.sample();
    return this.last;
  }

  /** The highest resident size of the tree so far, in bytes. */
  peak(): number {
    this.sample();
    return Math.max(this.sampledPeak, ...this.hwm.values());
  }

  /** The peak of each process, in MiB, for a figure's detail. */
  detail(): Record<string, number> {
    this.sample();
    return Object.fromEntries([...this.hwm].map(([pid, bytes]) => [`pid ${pid}`, Math.round(toMiB(bytes))]));
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    let sum = 0;
    for (const pid of this.pids()) {
      const memory = residentMemory(pid);
      if (!memory) continue;
      sum += memory.rss;
      this.hwm.set(pid, Math.max(this.hwm.get(pid) ?? 0, memory.hwm));
    }
    this.last = sum;
    this.sampledPeak = Math.max(this.sampledPeak, sum);
  }
}
