import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ALL_TARGET_IDS, type TargetId } from './targets/registry-target';
import { GiB, KiB, MiB } from './util/units';

/** Everything a benchmark run is told: what to run, against what, how big and how often. */
export interface BenchOptions {
  smoke: boolean;
  /** Repetitions of every scenario. */
  runs: number;
  targets: TargetId[];
  /** Scenario ids to run; empty for all. */
  only: string[];
  /** Measure the machine's own limits (sha256, loopback HTTP, raw s3rver). */
  machineLimits: boolean;
  /** Worker processes per Berth pod. */
  berthWorkers: number;
  /** Where Berth's processes write V8 CPU profiles (node --cpu-prof); none when undefined. */
  berthCpuProfileDir: string | undefined;
  /** Folder the JSON results go to; undefined writes none. */
  outDir: string | undefined;
  /** Prints the report of a JSON file an earlier run wrote, instead of running. */
  reportFile: string | undefined;
  sizes: Sizes;
}

export interface Sizes {
  blob: number;
  chunked: number;
  chunk: number;
  smallImages: number;
  smallLayers: number;
  smallLayerSize: number;
  manifestSeconds: number;
  manifestConnections: number;
  /** Tag counts of the listed repositories, each its own repository. */
  tagCounts: number[];
  tagPage: number;
  /** Concurrent PUTs while creating tags. */
  tagConcurrency: number;
  /** Above this many tags, Berth's are inserted in its database rather than PUT over HTTP. */
  tagHttpMax: number;
  parallelClients: number;
  parallelBlob: number;
  /** Images the embedded-default scenario pushes after its first start (layers as smallLayers). */
  embeddedImages: number;
  /** Idle time after its pushes before the steady memory window starts. */
  embeddedSettleSeconds: number;
  /** Length of that window (resident size sampled every 250 ms, median). */
  embeddedIdleSeconds: number;
  /** Unreferenced blobs the gc-reclaim scenario seeds and times the reclaim of. */
  gcBlobs: number;
  /** Size of each of them: small, so that the per-object cost shows. */
  gcBlobSize: number;
  /** Blobs of the backlog the gc-push scenario pushes against; it must outlast the pushes. */
  gcPushBacklog: number;
  /** Images (config + one layer + manifest) the gc-push scenario pushes in each phase. */
  gcPushImages: number;
  /** Clients pushing them at once, each one image after the other to a repository of its own. */
  gcPushClients: number;
  /** Seconds of blob HEAD load in each phase of the gc-head scenario. */
  gcHeadSeconds: number;
  gcHeadConnections: number;
  sha256: number;
  loopback: number;
  s3Raw: number;
}

export const FULL_SIZES: Sizes = {
  blob: GiB,
  chunked: 256 * MiB,
  chunk: 8 * MiB,
  smallImages: 50,
  smallLayers: 5,
  smallLayerSize: 64 * KiB,
  manifestSeconds: 10,
  manifestConnections: 32,
  tagCounts: [10_000, 100_000],
  tagPage: 1_000,
  tagConcurrency: 32,
  tagHttpMax: 10_000,
  parallelClients: 16,
  parallelBlob: 32 * MiB,
  embeddedImages: 20,
  embeddedSettleSeconds: 5,
  embeddedIdleSeconds: 5,
  gcBlobs: 100_000,
  gcBlobSize: KiB,
  gcPushBacklog: 100_000,
  gcPushImages: 400,
  gcPushClients: 4,
  gcHeadSeconds: 5,
  gcHeadConnections: 16,
  sha256: GiB,
  loopback: GiB,
  s3Raw: GiB,
};

export const SMOKE_SIZES: Sizes = {
  blob: 8 * MiB,
  chunked: 4 * MiB,
  chunk: MiB,
  smallImages: 3,
  smallLayers: 5,
  smallLayerSize: 64 * KiB,
  manifestSeconds: 2,
  manifestConnections: 8,
  tagCounts: [200],
  tagPage: 50,
  tagConcurrency: 8,
  tagHttpMax: 200,
  parallelClients: 4,
  parallelBlob: MiB,
  embeddedImages: 3,
  embeddedSettleSeconds: 1,
  embeddedIdleSeconds: 1,
  gcBlobs: 300,
  gcBlobSize: KiB,
  gcPushBacklog: 3_000,
  gcPushImages: 10,
  gcPushClients: 2,
  gcHeadSeconds: 1,
  gcHeadConnections: 4,
  sha256: 8 * MiB,
  loopback: 8 * MiB,
  s3Raw: 8 * MiB,
};

export const DEFAULT_OUT_DIR = join(__dirname, '../../../bench-results');

export const USAGE = `Usage: npm run bench -- [options]

Starts Berth (filesystem and S3 on s3rver, PostgreSQL, Redis) and CNCF Distribution (filesystem
and S3 on s3rver), runs every scenario against each, and prints Berth's figures beside
Distribution's with their ratio and the targets. Every run is written to bench-results/.

Options:
  --runs N            repetitions of each scenario (default 3)
  --smoke             one small run of each scenario against berth-fs only, no targets asserted
  --targets LIST      comma-separated, of ${ALL_TARGET_IDS.join(', ')}
  --only LIST         comma-separated scenario ids (default: all)
  --no-machine        skip measuring the machine's own limits
  --berth-workers N   worker processes per Berth pod (http.workers; default one per core, as
                      Distribution uses every core; 1 with --smoke)
  --berth-cpu-prof DIR  Berth's processes write CPU profiles (node --cpu-prof) into DIR
  --tag-counts LIST   tag counts of the listed repositories (default 10000,100000)
  --manifest-seconds N  seconds of manifest HEAD/GET load (default 10)
  --gc-blobs N        unreferenced blobs reclaimed by gc-reclaim (default 100000)
  --gc-push-backlog N  blobs GC reclaims while gc-push pushes; must outlast the pushes
                      (default 100000)
  --gc-push-images N  images pushed by gc-push in each phase (default 400)
  --out DIR           where the JSON goes (default bench-results/)
  --no-json           write no JSON file
  --report FILE       print the report of a JSON file an earlier run wrote, and run nothing
  -h, --help          this text`;

export class UsageError extends Error {}

/** Reads the command line into options. */
export function parseOptions(argv: readonly string[]): BenchOptions | 'help' {
  const smoke = argv.includes('--smoke');
  const options: BenchOptions = {
    smoke,
    runs: smoke ? 1 : 3,
    targets: smoke ? ['berth-fs'] : [...ALL_TARGET_IDS],
    only: [],
    machineLimits: true,
    // Distribution (Go) uses every core, so Berth gets as many processes: the same CPU for both.
    berthWorkers: smoke ? 1 : availableParallelism(),
    berthCpuProfileDir: undefined,
    outDir: DEFAULT_OUT_DIR,
    reportFile: undefined,
    sizes: smoke ? { ...SMOKE_SIZES } : { ...FULL_SIZES },
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case '--smoke':
        break;
      case '-h':
      case '--help':
        return 'help';
      case '--runs':
        options.runs = positiveInteger(flag, value());
        break;
      case '--targets':
        options.targets = value()
          .split(',')
          .map((id) => {
            if (!(ALL_TARGET_IDS as readonly string[]).includes(id))
              throw new UsageError(`unknown target ${id}`);
            return id as TargetId;
          });
        break;
      case '--only':
        options.only = value().split(',').filter(Boolean);
        break;
      case '--no-machine':
        options.machineLimits = false;
        break;
      case '--berth-workers':
        options.berthWorkers = positiveInteger(flag, value());
        break;
      case '--berth-cpu-prof':
        options.berthCpuProfileDir = value();
        break;
      case '--tag-counts':
        options.sizes.tagCounts = value()
          .split(',')
          .map((count) => positiveInteger(flag, count));
        break;
      case '--manifest-seconds':
        options.sizes.manifestSeconds = positiveInteger(flag, value());
        break;
      case '--gc-blobs':
        options.sizes.gcBlobs = positiveInteger(flag, value());
        break;
      case '--gc-push-backlog':
        options.sizes.gcPushBacklog = positiveInteger(flag, value());
        break;
      case '--gc-push-images':
        options.sizes.gcPushImages = positiveInteger(flag, value());
        break;
      case '--out':
        options.outDir = value();
        break;
      case '--report':
        options.reportFile = value();
        break;
      case '--no-json':
        options.outDir = undefined;
        break;
      default:
        throw new UsageError(`unknown option ${flag}`);
    }
  }
  return options;
}

function positiveInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${flag} must be a positive integer`);
  return value;
}
