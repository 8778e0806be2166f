/** Counts of requests by outcome and their latencies, for the report at the end of a soak. */
export class SoakStats {
  private readonly latencies: number[] = [];
  /** By `<method> <outcome>`. */
  private readonly outcomes = new Map<string, number>();
  private readonly errors = new Set<string>();
  private readonly operations = new Map<string, { done: number; failed: number }>();
  private internal = 0;

  /** One request: `outcome` is `<status>`, `<status> <OCI code>`, `network <code>` or `timeout`. */
  request(method: string, outcome: string, ms: number): void {
    const key = `${method} ${outcome}`;
    this.latencies.push(ms);
    this.outcomes.set(key, (this.outcomes.get(key) ?? 0) + 1);
    if (!/^[23]\d\d$/.test(outcome)) this.errors.add(key);
    if (outcome.startsWith('500')) this.internal++;
  }

  /** One client operation (a push or a pull with its retries), finished or given up. */
  operation(name: string, ok: boolean): void {
    const counts = this.operations.get(name) ?? { done: 0, failed: 0 };
    if (ok) counts.done++;
    else counts.failed++;
    this.operations.set(name, counts);
  }

  get requests(): number {
    return this.latencies.length;
  }

  /** Operations given up after their retry budget. */
  get failedOperations(): number {
    return [...this.operations.values()].reduce((sum, counts) => sum + counts.failed, 0);
  }

  /** Requests answered 500: each one is a registry bug. */
  get internalErrors(): number {
    return this.internal;
  }

  /** The request latency below which `fraction` of requests fall. */
  percentile(fraction: number): number {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return sorted[Math.max(0, Math.ceil(fraction * sorted.length) - 1)] ?? 0;
  }

  /** Lines of the report. */
  describe(): string[] {
    const isError = (key: string) => this.errors.has(key);
    const byCount = (entries: [string, number][]) => entries.sort((a, b) => b[1] - a[1]);
    const errors = byCount([...this.outcomes].filter(([outcome]) => isError(outcome)));
    const answered = byCount([...this.outcomes].filter(([outcome]) => !isError(outcome)));
    return [
      `requests: ${this.requests} (errors: ${errors.reduce((sum, [, n]) => sum + n, 0)})`,
      `latency: p50 ${this.percentile(0.5).toFixed(0)} ms, p99 ${this.percentile(0.99).toFixed(0)} ms, max ${this.percentile(1).toFixed(0)} ms`,
      `successes by status: ${answered.map(([outcome, n]) => `${outcome} x${n}`).join(', ')}`,
      `errors by kind: ${errors.length === 0 ? 'none' : errors.map(([outcome, n]) => `${outcome} x${n}`).join(', ')}`,
      `operations: ${[...this.operations]
        .map(([name, { done, failed }]) => `${name} ${done} done${failed ? `, ${failed} given up` : ''}`)
        .join('; ')}`,
    ];
  }
}
