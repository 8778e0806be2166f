import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sizes } from '../options';
import { makeSmallImage } from '../oci/image';
import { RegistryClient } from '../oci/registry-client';
import { cleanEnv, startChild, waitForHttp } from '../process/child';
import { cpuSeconds } from '../process/cpu-time';
import { freePort } from '../process/ports';
import { TreeMemoryWatch, toMiB } from '../process/memory';
import { repositoryFor, type Figure, type MetricSpec, type Scenario } from '../scenario';
import { BERTH_MAIN } from '../targets/berth';
import { startDistribution } from '../targets/distribution';
import { summarize } from '../util/stats';
import { formatSize, now } from '../util/units';

/** The targets of the embedded default (issue 12, item 6), checked by floors.ts. */
export const EMBEDDED_PEAK_CEILING_MIB = 400;
export const EMBEDDED_STEADY_CEILING_MIB = 250;

const METRICS = {
  ready: 'embedded-first-start-ms',
  startPeak: 'embedded-first-start-peak-rss',
  peak: 'embedded-peak-rss',
  steady: 'embedded-steady-rss',
  restartPeak: 'embedded-restart-peak-rss',
  restartSteady: 'embedded-restart-steady-rss',
} as const;
export const EMBEDDED_METRICS = METRICS;

/**
 * The embedded default as `npm start` runs it with no configuration: one process, filesystem
 * blobs, PGlite metadata, in-memory coordination. Each repetition starts `serve` on an empty
 * temporary data directory (only the port and the two data paths are set, and the working
 * directory is that temporary folder), pushes `embeddedImages` small images one after the other,
 * and measures the resident memory of the process and of any children it has:
 *
 * - first start: from spawn until /readyz answers 200 (initdb, migrations, listening);
 * - peak: the highest resident size from spawn until the last push was acknowledged — the
 *   kernel's high-water mark (VmHWM) of each process, so a spike between two samples counts,
 *   and the sampled sum over the process tree should it ever have children;
 * - steady: once the pushes are done and the process has been idle `embeddedSettleSeconds`, the
 *   median of the tree's resident size sampled every 250 ms over `embeddedIdleSeconds`;
 * - restart: the process is stopped (SIGTERM) and started again on the same data directory,
 *   which now holds a database: its peak until ready and after one pull, and its steady size.
 *
 * The reference, in the same run, is CNCF Distribution on the filesystem, a process started
 * afresh for the same pushes (its figures have no restart: it keeps no database to reopen).
 * The targets only give the rows: this starts (and stops) processes of its own.
 */
export function embeddedDefault(sizes: Sizes): Scenario {
  const images = sizes.embeddedImages;
  const imageLabel = `${images} images (config + ${sizes.smallLayers} x ${formatSize(sizes.smallLayerSize)})`;
  const metrics: MetricSpec[] = [
    {
      id: METRICS.ready,
      label: 'embedded default: first start, empty data dir',
      unit: 'ms',
      better: 'lower',
    },
    {
      id: METRICS.startPeak,
      label: 'embedded default: peak RSS until ready, first start',
      unit: 'MiB',
      better: 'lower',
    },
    {
      id: METRICS.peak,
      label: `embedded default: peak RSS, first start + ${imageLabel}`,
      unit: 'MiB',
      better: 'lower',
    },
    {
      id: METRICS.steady,
      label: `embedded default: steady RSS, idle after the pushes`,
      unit: 'MiB',
      better: 'lower',
    },
    {
      id: METRICS.restartPeak,
      label: 'embedded default: peak RSS, restart on its data + 1 pull',
      unit: 'MiB',
      better: 'lower',
    },
    {
      id: METRICS.restartSteady,
      label: 'embedded default: steady RSS after the restart',
      unit: 'MiB',
      better: 'lower',
    },
  ];
  return {
    id: 'embedded',
    title: `embedded default (filesystem, PGlite, in-memory): first start and ${imageLabel}`,
    metrics,
    // The measured processes are this scenario's own, not the targets'.
    appliesTo: (target) => target.storage === 'fs',
    async run(target, context) {
      const repository = repositoryFor('embedded');
      const pushed = Array.from({ length: images }, (_, i) =>
        makeSmallImage(`${context.seed('embedded')}/${i}`, sizes.smallLayers, sizes.smallLayerSize),
      );
      const figures: Figure[] = [];
      if (target.flavor === 'distribution') {
        const reference = await startFreshDistribution();
        try {
          figures.push(...(await firstStartFigures(reference, pushed, repository, sizes)));
        } finally {
          figures.push({ metric: 'embedded-cpu', value: cpuSeconds(reference.watch.pids()) });
          await reference.stop();
        }
        return figures;
      }
      if (!existsSync(BERTH_MAIN)) throw new Error(`${BERTH_MAIN} is missing: run npm run build first`);
      const root = await mkdtemp(join(tmpdir(), 'berth-bench-embedded-'));
      let cpu = 0;
      try {
        const first = await startEmbedded(root);
        try {
          figures.push(...(await firstStartFigures(first, pushed, repository, sizes)));
        } finally {
          cpu += cpuSeconds(first.watch.pids());
          await first.stop();
        }

        const second = await startEmbedded(root);
        try {
          const last = pushed.length - 1;
          const manifest = await second.client.getManifest(repository, `t${last}`);
          if (!manifest.equals((pushed[last] as (typeof pushed)[number]).manifest.bytes))
            throw new Error(`${repository}:t${last} did not survive the restart`);
          figures.push({
            metric: METRICS.restartPeak,
            value: toMiB(second.watch.peak()),
            detail: { readyMs: Math.round(second.readyMs), ...second.watch.detail() },
          });
          figures.push(await steadyFigure(METRICS.restartSteady, second.watch, sizes));
        } finally {
          cpu += cpuSeconds(second.watch.pids());
          await second.stop();
        }
      } finally {
        await rm(root, { recursive: true, force: true });
      }
      figures.push({ metric: 'embedded-cpu', value: cpu });
      return figures;
    },
  };
}

/** A registry process started for this scenario, watched from its start. */
interface FreshProcess {
  client: RegistryClient;
  watch: TreeMemoryWatch;
  readyMs: number;
  stop(): Promise<void>;
}

/** First start until ready, then `pushed` one after the other, then idle. */
async function firstStartFigures(
  registry: FreshProcess,
  pushed: ReturnType<typeof makeSmallImage>[],
  repository: string,
  sizes: Sizes,
): Promise<Figure[]> {
  const figures: Figure[] = [
    { metric: METRICS.ready, value: registry.readyMs },
    { metric: METRICS.startPeak, value: toMiB(registry.watch.peak()), detail: registry.watch.detail() },
  ];
  for (const [i, image] of pushed.entries()) await registry.client.pushImage(repository, image, `t${i}`);
  figures.push({
    metric: METRICS.peak,
    value: toMiB(registry.watch.peak()),
    detail: registry.watch.detail(),
  });
  figures.push(await steadyFigure(METRICS.steady, registry.watch, sizes));
  return figures;
}

/** Distribution on a new temporary folder; its kernel high-water mark covers its start. */
async function startFreshDistribution(): Promise<FreshProcess> {
  const started = now();
  const target = await startDistribution({ storage: 'fs' });
  const readyMs = now() - started;
  const [pid] = target.pids();
  if (pid === undefined) throw new Error('Distribution started no process');
  const watch = new TreeMemoryWatch(pid, 50);
  return {
    client: target.client,
    watch,
    readyMs,
    async stop() {
      watch.stop();
      await target.stop();
    },
  };
}

/** `serve` with nothing configured but the port and the data paths, in `root`. */
async function startEmbedded(root: string): Promise<FreshProcess> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...cleanEnv(/^(BERTH_|AWS_)/),
    BERTH_HTTP_PORT: String(port),
    BERTH_BLOBS_FILESYSTEM_ROOT: join(root, 'blobs'),
    BERTH_METADATA_PGLITE_DATA_DIR: join(root, 'metadata'),
  };
  const started = now();
  const child = startChild(process.execPath, [BERTH_MAIN, 'serve'], env, root);
  const watch = new TreeMemoryWatch(child.pid, 50);
  const url = `http://127.0.0.1:${port}`;
  const client = new RegistryClient(url);
  const stop = async (): Promise<void> => {
    watch.stop();
    await client.close();
    await child.stop();
  };
  try {
    await waitForHttp(child, `${url}/readyz`, 'berth (embedded default)', 200, 120_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { client, watch, readyMs: now() - started, stop };
}

/** The median resident size of the tree over an idle window, after letting it settle. */
async function steadyFigure(metric: string, watch: TreeMemoryWatch, sizes: Sizes): Promise<Figure> {
  await sleep(sizes.embeddedSettleSeconds * 1000);
  const samples: number[] = [];
  const end = now() + sizes.embeddedIdleSeconds * 1000;
  while (now() < end) {
    samples.push(watch.current());
    await sleep(250);
  }
  const summary = summarize(samples);
  if (!summary) throw new Error('no memory sample');
  return {
    metric,
    value: toMiB(summary.median),
    detail: {
      samples: samples.length,
      minMiB: Math.round(toMiB(summary.min)),
      maxMiB: Math.round(toMiB(summary.max)),
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
