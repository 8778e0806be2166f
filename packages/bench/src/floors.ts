import { MACHINE, ResultView } from './results';
import {
  EMBEDDED_METRICS,
  EMBEDDED_PEAK_CEILING_MIB,
  EMBEDDED_STEADY_CEILING_MIB,
} from './scenarios/embedded-default';
import { GC_PUSH_P99_CEILING } from './scenarios/gc-push';
import type { Storage } from './targets/registry-target';

export type FloorStatus = 'met' | 'not met' | 'n/a';

/** A target Berth must reach: a floor on a figure, absolute or relative to a reference. */
export interface FloorResult {
  description: string;
  /** The row of the table it belongs to. */
  metric: string;
  storage: Storage;
  status: FloorStatus;
  /** What was compared, e.g. "2.31x" or "7.9 ms". */
  detail: string;
}

const MEMORY_CEILING_MIB = 250;

/** Evaluates every target of the full benchmark against its figures. */
export function evaluateFloors(view: ResultView): FloorResult[] {
  const floors: FloorResult[] = [];
  const tagCounts = view.result.options.sizes.tagCounts;
  const largestTags = Math.max(...tagCounts);
  const page = view.result.options.sizes.tagPage;

  for (const storage of ['fs', 's3'] as const) {
    const berth = `berth-${storage}`;
    const distribution = `distribution-${storage}`;
    if (!view.ran(berth)) continue;
    const vsDistribution = (metric: string, factor: number): void => {
      floors.push(
        relative(view, metric, storage, berth, factor, distribution, metric, `${factor}x Distribution`),
      );
    };
    for (const metric of ['push', 'chunked']) {
      if (storage === 'fs') vsDistribution(metric, 2);
      else {
        const floor = relative(
          view,
          metric,
          storage,
          berth,
          0.8,
          MACHINE,
          's3rver-put',
          '80% of raw s3rver PutObject',
        );
        // Berth stores blobs by multipart upload, whose ceiling on s3rver is well below PutObject's.
        floor.detail += share(
          view.median(berth, metric),
          view.median(MACHINE, 's3rver-multipart'),
          'raw multipart',
        );
        floors.push(floor);
      }
    }
    const pull = relative(
      view,
      'pull',
      storage,
      berth,
      0.8,
      MACHINE,
      'loopback-download',
      '80% of raw loopback download',
    );
    // Through the pod, an S3 pull cannot beat the store's own GetObject.
    if (storage === 's3')
      pull.detail += share(
        view.median(berth, 'pull'),
        view.median(MACHINE, 's3rver-get'),
        'raw s3rver GetObject',
      );
    floors.push(pull);
    if (storage === 's3') {
      floors.push(
        atMost(
          view,
          'pull-redirect-pod-bytes',
          storage,
          berth,
          0,
          'redirect pull: 0 blob bytes through the pod',
          'B',
        ),
      );
    }
    vsDistribution('small-images', storage === 'fs' ? 2 : 3);
    vsDistribution('manifest-requests', 4);
    for (const method of ['head', 'get']) {
      floors.push(below(view, `manifest-${method}-p99`, storage, berth, 10, `p99 < 10 ms`, 'ms'));
    }
    if (view.summary(berth, `tags-${largestTags}-first-page`) || view.failure(berth, 'tags')) {
      floors.push(
        below(
          view,
          `tags-${largestTags}-first-page`,
          storage,
          berth,
          20,
          `page of ${page} from ${largestTags} tags < 20 ms`,
          'ms',
        ),
      );
      floors.push(
        below(
          view,
          `tags-${largestTags}-walk`,
          storage,
          berth,
          1000,
          `all ${largestTags} tags paginated < 1 s`,
          'ms',
        ),
      );
    }
    vsDistribution('parallel', 1.5);
    // Run on a Berth deployment of its own on the filesystem, reported on the berth-fs row.
    if (storage === 'fs' && (view.summary(berth, 'gc-push-p99-ratio') || view.failure(berth, 'gc-push'))) {
      floors.push(
        below(
          view,
          'gc-push-p99-ratio',
          storage,
          berth,
          GC_PUSH_P99_CEILING,
          `manifest PUT p99 with GC reclaiming < ${GC_PUSH_P99_CEILING}x GC idle`,
          'x',
          2,
        ),
      );
    }
    for (const metric of ['push-peak-rss', 'parallel-peak-rss', 'run-peak-rss']) {
      floors.push(
        atMost(view, metric, storage, berth, MEMORY_CEILING_MIB, `RSS <= ${MEMORY_CEILING_MIB} MiB`, 'MiB'),
      );
    }
    // The embedded default (its own process, reported on the berth-fs row): every repetition counts.
    if (storage === 'fs' && (view.summary(berth, EMBEDDED_METRICS.peak) || view.failure(berth, 'embedded'))) {
      floors.push(
        atMost(
          view,
          EMBEDDED_METRICS.peak,
          storage,
          berth,
          EMBEDDED_PEAK_CEILING_MIB,
          `peak < ${EMBEDDED_PEAK_CEILING_MIB} MiB`,
          'MiB',
          false,
        ),
        atMost(
          view,
          EMBEDDED_METRICS.steady,
          storage,
          berth,
          EMBEDDED_STEADY_CEILING_MIB,
          `steady < ${EMBEDDED_STEADY_CEILING_MIB} MiB`,
          'MiB',
          false,
        ),
      );
    }
  }
  return floors;
}

function relative(
  view: ResultView,
  metric: string,
  storage: Storage,
  berth: string,
  factor: number,
  referenceTarget: string,
  referenceMetric: string,
  what: string,
): FloorResult {
  const description = `>= ${what}`;
  const value = view.median(berth, metric);
  const reference = view.median(referenceTarget, referenceMetric);
  if (value === undefined || reference === undefined) {
    const scenario = view.scenarioOf(referenceMetric)?.id ?? '';
    const why =
      value === undefined
        ? 'no Berth figure'
        : view.failure(referenceTarget, scenario)
          ? `${referenceTarget} failed`
          : `no ${referenceTarget} figure`;
    return { description, metric, storage, status: 'n/a', detail: why };
  }
  const ratio = value / reference;
  const shown = factor < 1 ? `${(ratio * 100).toFixed(0)}%` : `${ratio.toFixed(2)}x`;
  return { description, metric, storage, status: ratio >= factor ? 'met' : 'not met', detail: shown };
}

/** The median must be below `limit`. */
function below(
  view: ResultView,
  metric: string,
  storage: Storage,
  berth: string,
  limit: number,
  description: string,
  unit: string,
  digits = 1,
): FloorResult {
  const value = view.median(berth, metric);
  if (value === undefined) return { description, metric, storage, status: 'n/a', detail: 'no figure' };
  return {
    description,
    metric,
    storage,
    status: value < limit ? 'met' : 'not met',
    detail: `${value.toFixed(digits)} ${unit}`,
  };
}

/** Every repetition must be at most `limit`, or below it when not `inclusive` (the worst counts, not the median). */
function atMost(
  view: ResultView,
  metric: string,
  storage: Storage,
  berth: string,
  limit: number,
  description: string,
  unit: string,
  inclusive = true,
): FloorResult {
  const summary = view.summary(berth, metric);
  if (summary === undefined) return { description, metric, storage, status: 'n/a', detail: 'no figure' };
  return {
    description,
    metric,
    storage,
    status: (inclusive ? summary.max <= limit : summary.max < limit) ? 'met' : 'not met',
    detail: `max ${summary.max.toFixed(0)} ${unit}`,
  };
}

/** `; 42% of <what>`, or nothing when either figure is missing. */
function share(value: number | undefined, reference: number | undefined, what: string): string {
  return value === undefined || reference === undefined
    ? ''
    : `; ${((value / reference) * 100).toFixed(0)}% of ${what}`;
}
