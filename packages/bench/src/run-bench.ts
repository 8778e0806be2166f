import { randomBytes } from 'node:crypto';
import { cpus, loadavg, release, totalmem } from 'node:os';
import type { BenchOptions } from './options';
import { makePayload, type Payload } from './oci/payload';
import { watchMachineLoad } from './process/machine-load';
import { cpuSeconds } from './process/cpu-time';
import { MemoryWatch, toMiB } from './process/memory';
import type { Progress } from './progress';
import { MACHINE, type BenchResult, type Failure, type RunRecord, type ScenarioInfo } from './results';
import type { Baseline, Figure, MetricSpec, Scenario, ScenarioContext } from './scenario';
import { allBaselines, allScenarios } from './scenarios';
import { lastLoggedError } from './targets/registry-log';
import type { RegistryTarget } from './targets/registry-target';
import { startTarget } from './targets/start-target';
import { addNotes } from './notes';
import { startS3rver, type S3rverInstance } from './targets/s3rver';
import { formatNumber, message } from './util/format';
import { settleDisk } from './process/settle-disk';

const peakRssMetric = (scenario: Scenario): MetricSpec => ({
  id: `${scenario.id}-peak-rss`,
  label: `peak RSS during ${scenario.metrics[0]?.label ?? scenario.title}`,
  unit: 'MiB',
  better: 'lower',
});

const cpuMetrics = (scenario: Scenario): MetricSpec[] => [
  { id: `${scenario.id}-cpu`, label: scenario.id, unit: 'CPU-s', better: 'lower', cpu: true },
  {
    id: `${scenario.id}-s3rver-cpu`,
    label: `${scenario.id} (s3rver)`,
    unit: 'CPU-s',
    better: 'lower',
    cpu: true,
  },
];

const RUN_PEAK_RSS: MetricSpec = {
  id: 'run-peak-rss',
  label: 'peak RSS over the whole run',
  unit: 'MiB',
  better: 'lower',
  once: true,
};

/** Runs the benchmark the options describe and returns every figure it measured. */
export async function runBench(options: BenchOptions, progress: Progress): Promise<BenchResult> {
  const startedAt = new Date();
  const machineLoad = watchMachineLoad();
  const runId = randomBytes(3).toString('hex');
  const records: RunRecord[] = [];
  const failures: Failure[] = [];
  const notes: string[] = [];
  const started: RegistryTarget[] = [];
  const scenarios = allScenarios(options.sizes).filter(
    (s) => options.only.length === 0 || options.only.includes(s.id),
  );
  const baselines = options.machineLimits ? allBaselines(options.sizes) : [];
  const needsS3 = options.targets.some((id) => id.endsWith('-s3')) || baselines.some((b) => b.needsS3);

  let rep = 0;
  const seed = (label: string): string => `${runId}/${label}/r${rep}`;
  const payloads = new Map<string, Payload>();
  const context: ScenarioContext = {
    sizes: options.sizes,
    get rep() {
      return rep;
    },
    seed,
    payload(label, size) {
      const key = `${seed(label)}:${size}`;
      let payload = payloads.get(key);
      if (!payload) {
        payload = makePayload(seed(label), size);
        payloads.set(key, payload);
      }
      return payload;
    },
    pushedBlobs: new Map(),
    berth: {
      workers: options.berthWorkers,
      ...(options.berthCpuProfileDir ? { cpuProfileDir: options.berthCpuProfileDir } : {}),
    },
    progress,
  };
  const line = (scenario: string, target: string, step: string, text: string): void =>
    progress(`${scenario.padEnd(12)} ${target.padEnd(16)} ${step.padEnd(9)} ${text}`);

  let s3: S3rverInstance | undefined;
  let runWatch: MemoryWatch | undefined;
  try {
    if (needsS3) {
      s3 = await startS3rver();
      context.s3 = s3;
      progress(`s3rver listening on ${s3.endpoint}`);
    }
    for (rep = 0; rep < options.runs; rep++) {
      for (const baseline of baselines) await runBaseline(baseline);
    }

    for (const id of options.targets) {
      try {
        const target = await startTarget(id, options, s3);
        started.push(target);
        progress(`started ${target.description}`);
      } catch (error) {
        for (const scenario of scenarios)
          failures.push({ scenario: scenario.id, target: id, rep: 0, error: message(error) });
        progress(`${id} did not start: ${message(error)}`);
      }
    }
    const everyPid = (target: RegistryTarget): number[] => [
      ...target.pids(),
      ...(target.redirectPod?.pids() ?? []),
    ];
    runWatch = new MemoryWatch(started.flatMap(everyPid), 100, false);

    for (const scenario of scenarios) {
      runWatch.phase = scenario.id;
      await runScenario(scenario, runWatch);
    }
    const peaks = runWatch.stop();
    runWatch = undefined;
    for (const target of started) {
      const peak = everyPid(target)
        .map((pid) => peaks.get(pid))
        .reduce((top, next) => (next && next.bytes > (top?.bytes ?? -1) ? next : top), undefined);
      if (!peak) continue;
      records.push({
        scenario: 'memory',
        target: target.id,
        rep: 0,
        metric: RUN_PEAK_RSS.id,
        value: toMiB(peak.bytes),
        detail: { during: peak.phase },
      });
      if (target.flavor === 'berth') {
        notes.push(
          `${target.id}: its largest process peaked at ${toMiB(peak.bytes).toFixed(0)} MiB during "${peak.phase}".`,
        );
      }
    }
  } finally {
    runWatch?.stop();
    // Removing what the registries stored (Distribution's tags are hundreds of thousands of files) takes a while.
    const stopping = Date.now();
    await Promise.all(
      started.map((target) =>
        target.stop().catch((error: unknown) => notes.push(`stopping ${target.id}: ${message(error)}`)),
      ),
    );
    await s3?.stop();
    if (started.length > 0)
      progress(
        `stopped every registry and removed their data in ${((Date.now() - stopping) / 1000).toFixed(1)} s`,
      );
  }

  notes.unshift(machineLoad.stop());
  addNotes(options, started, failures, notes);
  const finishedAt = new Date();
  return {
    format: 'berth-bench/1',
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationSeconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    host: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryBytes: totalmem(),
      node: process.version,
      kernel: release(),
      loadAverage: loadavg(),
    },
    options,
    targets: started.map((t) => ({ id: t.id, description: t.description })),
    scenarios: [
      ...baselines.map((b): ScenarioInfo => ({
        id: b.id,
        title: b.title,
        metrics: b.metrics,
        baseline: true,
      })),
      ...scenarios.map((s): ScenarioInfo => ({
        id: s.id,
        title: s.title,
        metrics: [...s.metrics, ...(s.watchMemory ? [peakRssMetric(s)] : []), ...cpuMetrics(s)],
        baseline: false,
      })),
      { id: 'memory', title: 'registry memory over the whole run', metrics: [RUN_PEAK_RSS], baseline: false },
    ],
    records,
    failures,
    notes,
  };

  async function runBaseline(baseline: Baseline): Promise<void> {
    if (failures.some((f) => f.target === MACHINE && f.scenario === baseline.id)) return;
    try {
      const figures = await baseline.run(context);
      record(baseline.id, MACHINE, figures);
      line(baseline.id, MACHINE, `run ${rep + 1}/${options.runs}`, describe(baseline, figures));
    } catch (error) {
      fail(baseline.id, MACHINE, error);
    }
  }

  /** Prepares every target, then runs the repetitions, each going round the targets in turn. */
  async function runScenario(scenario: Scenario, runWatch: MemoryWatch): Promise<void> {
    const targets = started.filter((target) => scenario.appliesTo(target));
    const failed = new Set<string>();
    rep = 0;
    for (const target of targets) {
      if (!scenario.prepare) continue;
      try {
        const figures = await scenario.prepare(target, context);
        record(scenario.id, target.id, figures);
        if (figures.length > 0) line(scenario.id, target.id, 'prepared', describe(scenario, figures));
      } catch (error) {
        fail(scenario.id, target.id, error, target);
        failed.add(target.id);
      }
    }
    for (rep = 0; rep < options.runs; rep++) {
      for (const target of targets) {
        if (failed.has(target.id)) continue;
        await settleDisk();
        const watch = scenario.watchMemory ? new MemoryWatch(target.pids()) : undefined;
        const registryPids = [...target.pids(), ...(target.redirectPod?.pids() ?? [])];
        const s3Pids = target.storage === 's3' && context.s3 ? [context.s3.pid] : [];
        const cpuBefore = [cpuSeconds(registryPids), cpuSeconds(s3Pids)];
        try {
          const figures = await scenario.run(target, context);
          const [registryCpu, s3Cpu] = [cpuSeconds(registryPids), cpuSeconds(s3Pids)];
          // A scenario that runs a registry process of its own (embedded) reports that one's CPU.
          if (!figures.some((figure) => figure.metric === `${scenario.id}-cpu`))
            figures.push({ metric: `${scenario.id}-cpu`, value: registryCpu - (cpuBefore[0] ?? 0) });
          if (s3Pids.length > 0)
            figures.push({ metric: `${scenario.id}-s3rver-cpu`, value: s3Cpu - (cpuBefore[1] ?? 0) });
          if (watch) {
            const peaks = watch.stop();
            for (const [pid, peak] of peaks) runWatch.note(pid, peak.bytes);
            figures.push(peakFigure(scenario, peaks));
          }
          record(scenario.id, target.id, figures);
          line(scenario.id, target.id, `run ${rep + 1}/${options.runs}`, describe(scenario, figures));
        } catch (error) {
          watch?.stop();
          fail(scenario.id, target.id, error, target);
          failed.add(target.id);
        }
      }
    }
  }

  function record(scenario: string, target: string, figures: Figure[]): void {
    for (const figure of figures) {
      records.push({
        scenario,
        target,
        rep,
        metric: figure.metric,
        value: figure.value,
        ...(figure.detail ? { detail: figure.detail } : {}),
      });
    }
  }

  function fail(scenario: string, target: string, error: unknown, registry?: RegistryTarget): void {
    const logged = registry ? lastLoggedError(registry.log()) : undefined;
    const text = `${message(error)}${logged ? ` — registry log: ${logged}` : ''}`;
    failures.push({ scenario, target, rep, error: text });
    line(scenario, target, `run ${rep + 1}/${options.runs}`, `FAILED: ${text}`);
  }
}

function peakFigure(scenario: Scenario, peaks: Map<number, { bytes: number }>): Figure {
  const values = [...peaks.values()].map((peak) => peak.bytes);
  return {
    metric: peakRssMetric(scenario).id,
    value: toMiB(Math.max(0, ...values)),
    detail: Object.fromEntries(
      [...peaks].map(([pid, peak]) => [`pid ${pid}`, Math.round(toMiB(peak.bytes))]),
    ),
  };
}

function describe(source: { metrics: MetricSpec[] }, figures: Figure[]): string {
  return figures
    .map((figure) => {
      const spec = source.metrics.find((m) => m.id === figure.metric);
      const unit =
        spec?.unit ??
        (figure.metric.endsWith('-peak-rss') ? 'MiB' : figure.metric.endsWith('-cpu') ? 'CPU-s' : '');
      return `${figure.metric} ${formatNumber(figure.value)} ${unit}`.trim();
    })
    .join(', ');
}
