import type { BenchOptions } from './options';
import type { MetricSpec } from './scenario';
import { summarize, type Summary } from './util/stats';

/** The pseudo-target under which the machine's own limits are recorded. */
export const MACHINE = 'machine';

/** One measured value of one repetition. */
export interface RunRecord {
  scenario: string;
  target: string;
  rep: number;
  metric: string;
  value: number;
  detail?: Record<string, number | string>;
}

/** A scenario that could not run on a target; its remaining repetitions were skipped. */
export interface Failure {
  scenario: string;
  target: string;
  rep: number;
  error: string;
}

export interface ScenarioInfo {
  id: string;
  title: string;
  metrics: MetricSpec[];
  baseline: boolean;
}

/** Everything a benchmark run measured: what the JSON file holds and the report prints. */
export interface BenchResult {
  format: 'berth-bench/1';
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  host: {
    cpus: number;
    cpuModel: string;
    memoryBytes: number;
    node: string;
    kernel: string;
    loadAverage: number[];
  };
  options: BenchOptions;
  targets: { id: string; description: string }[];
  scenarios: ScenarioInfo[];
  records: RunRecord[];
  failures: Failure[];
  notes: string[];
}

/** Lookups over a result: the summary of a metric on a target, or why it has none. */
export class ResultView {
  constructor(readonly result: BenchResult) {}

  values(target: string, metric: string): number[] {
    return this.result.records.filter((r) => r.target === target && r.metric === metric).map((r) => r.value);
  }

  summary(target: string, metric: string): Summary | undefined {
    return summarize(this.values(target, metric));
  }

  median(target: string, metric: string): number | undefined {
    return this.summary(target, metric)?.median;
  }

  failure(target: string, scenario: string): Failure | undefined {
    return this.result.failures.find((f) => f.target === target && f.scenario === scenario);
  }

  ran(target: string): boolean {
    return (
      this.result.targets.some((t) => t.id === target) ||
      this.result.failures.some((f) => f.target === target)
    );
  }

  scenarioOf(metric: string): ScenarioInfo | undefined {
    return this.result.scenarios.find((s) => s.metrics.some((m) => m.id === metric));
  }

  metric(id: string): MetricSpec | undefined {
    for (const scenario of this.result.scenarios) {
      const spec = scenario.metrics.find((m) => m.id === id);
      if (spec) return spec;
    }
    return undefined;
  }
}
