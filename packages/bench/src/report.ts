import type { FloorResult } from './floors';
import { MACHINE, ResultView, type BenchResult, type Failure } from './results';
import { formatNumber } from './util/format';
import type { MetricSpec } from './scenario';
import type { Summary } from './util/stats';

const STORAGES = ['fs', 's3'] as const;

/** The printed report: machine limits, then Berth beside Distribution for every figure, then targets. */
export function formatReport(result: BenchResult, floors: FloorResult[], jsonPath?: string): string {
  const view = new ResultView(result);
  const footnotes = new Footnotes();
  const lines: string[] = [];
  const runs = result.options.runs;
  lines.push(
    `Berth benchmark, ${result.startedAt} (${result.durationSeconds.toFixed(0)} s), ${result.host.cpus} cores ` +
      `(${result.host.cpuModel}), Node ${result.host.node}; ${runs} run${runs > 1 ? 's' : ''} each: median (min–max)`,
  );
  lines.push(
    'MB/s = 10^6 bytes per second. ratio = Berth / Distribution (↑ higher is better, ↓ lower is better).',
  );

  const baselines = result.scenarios.filter((s) => s.baseline);
  if (baselines.length > 0) {
    lines.push('', 'Machine limits (same run)');
    for (const metric of baselines.flatMap((s) => s.metrics)) {
      const cell = cellFor(view, MACHINE, metric, footnotes);
      lines.push(`  ${`${metric.label} [${metric.unit}]`.padEnd(60)} ${cell}`);
    }
  }

  const floorFor = (metric: string, storage: string): FloorResult[] =>
    floors.filter((f) => f.metric === metric && f.storage === storage);
  const header = ['scenario', 'store', 'Berth', 'Distribution', 'ratio', 'target'];
  const widths = [62, 5, 26, 26, 7];
  const row = (cells: string[]): string =>
    cells
      .map((cell, i) => (i < widths.length ? cell.padEnd(widths[i] as number) : cell))
      .join(' ')
      .trimEnd();
  lines.push('', row(header), row(widths.map((w) => '-'.repeat(w)).concat('-'.repeat(30))));
  for (const scenario of result.scenarios.filter((s) => !s.baseline)) {
    for (const metric of scenario.metrics.filter((m) => !m.cpu)) {
      for (const storage of STORAGES) {
        const berth = `berth-${storage}`;
        const distribution = `distribution-${storage}`;
        if (!view.ran(berth) && !view.ran(distribution)) continue;
        const berthSummary = view.summary(berth, metric.id);
        const distributionSummary = view.summary(distribution, metric.id);
        const berthFailure = view.failure(berth, scenario.id);
        const distributionFailure = view.failure(distribution, scenario.id);
        // A figure only one flavor has (the redirect pull) gets no row for the other.
        if (
          !berthSummary &&
          !distributionSummary &&
          !berthFailure &&
          !(distributionFailure && metricIsShared(view, metric))
        )
          continue;
        if (!berthSummary && !berthFailure && !distributionSummary) continue;
        const ratio =
          berthSummary && distributionSummary && distributionSummary.median !== 0
            ? `${(berthSummary.median / distributionSummary.median).toFixed(2)}x`
            : '–';
        const target = floorFor(metric.id, storage)
          .map(
            (f) =>
              `${f.status === 'met' ? 'MET' : f.status === 'not met' ? 'NOT MET' : 'n/a'} ${f.description} (${f.detail})`,
          )
          .join('; ');
        lines.push(
          row([
            `${metric.label} [${metric.unit} ${metric.better === 'higher' ? '↑' : '↓'}]`,
            storage,
            cellFor(view, berth, metric, footnotes, scenario.id),
            cellFor(view, distribution, metric, footnotes, scenario.id),
            ratio,
            target,
          ]),
        );
      }
    }
  }

  lines.push(...cpuSection(view));

  if (floors.length > 0) {
    const met = floors.filter((f) => f.status === 'met').length;
    const missed = floors.filter((f) => f.status === 'not met').length;
    lines.push('', `Targets: ${met} met, ${missed} not met, ${floors.length - met - missed} not assessable`);
    for (const floor of floors) {
      const label = view.metric(floor.metric)?.label ?? floor.metric;
      lines.push(
        `  [${floor.status.toUpperCase().padEnd(7)}] ${floor.storage} ${label}: ${floor.description} — ${floor.detail}`,
      );
    }
  }
  lines.push(...footnotes.lines());
  if (result.notes.length > 0) lines.push('', 'Notes:', ...result.notes.map((note) => `  - ${note}`));
  lines.push('', 'Registries:', ...result.targets.map((t) => `  - ${t.description}`));
  if (jsonPath) lines.push('', `Every run: ${jsonPath}`);
  return `${lines.join('\n')}\n`;
}

/** CPU-seconds each registry (and s3rver behind it) spent per run of each scenario: what a figure cost. */
function cpuSection(view: ResultView): string[] {
  const targets = view.result.targets.map((t) => t.id);
  const rows: string[] = [];
  for (const scenario of view.result.scenarios.filter((s) => !s.baseline)) {
    const cells = targets.map((target) => {
      const own = view.summary(target, `${scenario.id}-cpu`);
      const s3 = view.summary(target, `${scenario.id}-s3rver-cpu`);
      if (!own) return '–';
      return `${own.median.toFixed(2)}${s3 ? ` [${s3.median.toFixed(2)}]` : ''}`;
    });
    if (cells.some((cell) => cell !== '–'))
      rows.push(`  ${scenario.id.padEnd(14)} ${cells.map((c) => c.padEnd(18)).join(' ')}`.trimEnd());
  }
  if (rows.length === 0) return [];
  return [
    '',
    "CPU-seconds per run, median: the registry's processes [s3rver's, on S3]",
    `  ${''.padEnd(14)} ${targets.map((t) => t.padEnd(18)).join(' ')}`.trimEnd(),
    ...rows,
  ];
}

function metricIsShared(view: ResultView, metric: MetricSpec): boolean {
  return (
    !metric.id.startsWith('pull-redirect') &&
    view.result.records.some((r) => r.metric === metric.id && r.target.startsWith('distribution'))
  );
}

function cellFor(
  view: ResultView,
  target: string,
  metric: MetricSpec,
  footnotes: Footnotes,
  scenario?: string,
): string {
  const summary = view.summary(target, metric.id);
  if (summary) return formatSummary(summary);
  const failure = scenario
    ? view.failure(target, scenario)
    : view.result.failures.find((f) => f.target === target && view.scenarioOf(metric.id)?.id === f.scenario);
  if (failure) {
    const onS3rver = target === 'distribution-s3' ? ' (fails on s3rver)' : ' (failed)';
    return `n/a${onS3rver} [${footnotes.add(failure)}]`;
  }
  // Berth's largest tag repositories are filled in its database, not over HTTP (see the notes).
  if (target.startsWith('berth') && /^tags-\d+-populate$/.test(metric.id) && view.ran(target))
    return 'SQL INSERT, see notes';
  return view.ran(target) ? '–' : 'not run';
}

function formatSummary(summary: Summary): string {
  if (summary.count === 1 || summary.min === summary.max) return formatNumber(summary.median);
  return `${formatNumber(summary.median)} (${formatNumber(summary.min)}–${formatNumber(summary.max)})`;
}

/** Errors behind n/a cells, printed once for each target and error under the table. */
class Footnotes {
  private readonly notes: { key: string; target: string; scenarios: string[]; error: string }[] = [];

  add(failure: Failure): number {
    // The same failure in several scenarios differs only by repository name.
    const error = failure.error
      .replace(/\s+/g, ' ')
      .replace(/\/v2\/\S+\/(blobs\/uploads|blobs|manifests|tags)\//g, '/v2/<name>/$1/');
    const key = `${failure.target} ${error}`;
    let index = this.notes.findIndex((note) => note.key === key);
    if (index < 0) index = this.notes.push({ key, target: failure.target, scenarios: [], error }) - 1;
    const note = this.notes[index] as (typeof this.notes)[number];
    if (!note.scenarios.includes(failure.scenario)) note.scenarios.push(failure.scenario);
    return index + 1;
  }

  lines(): string[] {
    if (this.notes.length === 0) return [];
    return [
      '',
      'Failures:',
      ...this.notes.map(
        (note, i) =>
          `  [${i + 1}] ${note.target} (${note.scenarios.join(', ')}): ${note.error.slice(0, 700)}`,
      ),
    ];
  }
}
