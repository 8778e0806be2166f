/** Prints a measured duration on its own line, outside jest's console capture, for the run's log. */
export function reportTiming(label: string, ms: number): void {
  process.stdout.write(`[timing] ${label}: ${(ms / 1000).toFixed(2)} s\n`);
}
