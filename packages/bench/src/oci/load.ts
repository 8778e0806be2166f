import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const AB_BINARY = process.env.BENCH_AB_BINARY ?? '/usr/bin/ab';

export interface LoadOptions {
  url: string;
  /** Each gets an equal share of the connections, all running at once. */
  methods: readonly ('GET' | 'HEAD')[];
  headers: Record<string, string>;
  connections: number;
  seconds: number;
}

/** Latencies of one method, in milliseconds. */
export interface MethodLoad {
  requests: number;
  p50: number;
  p99: number;
}

export interface LoadResult {
  /** Successful requests of every method. */
  requests: number;
  seconds: number;
  perSecond: number;
  byMethod: Record<string, MethodLoad>;
  failures: number;
  firstFailure?: string;
}

/** What one ab run reports. */
interface AbRun {
  /** Completed with a 2xx status. */
  succeeded: number;
  /** Failed (connection, length, timeout) or answered with another status. */
  failed: number;
  seconds: number;
  p50: number;
  p99: number;
}

// ab stops at whichever comes first, its time limit or its request count, and allocates 32 bytes
// per request counted: so a count out of reach of this rate, but no larger.
const UNREACHABLE_PER_SECOND = 100_000;

/**
 * Load from ApacheBench, a load generator in C, so that the generator takes as little as possible
 * of the CPU the registries are measured on: one ab process per method, each keeping its share of
 * the keep-alive connections busy back to back for `seconds`. (wrk would be the usual choice, but
 * the wrk Debian ships waits for a body after every HEAD response.)
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const folder = await mkdtemp(join(tmpdir(), 'berth-bench-ab-'));
  try {
    const perMethod = Math.max(1, Math.floor(options.connections / options.methods.length));
    const runs = await Promise.all(
      options.methods.map(async (method) => [method, await ab(method, options, perMethod, folder)] as const),
    );
    const seconds = Math.max(...runs.map(([, run]) => run.seconds));
    const requests = runs.reduce((total, [, run]) => total + run.succeeded, 0);
    const problems = runs
      .filter(([, run]) => run.failed > 0)
      .map(([method, run]) => `${method}: ${run.failed} failed or not 2xx`);
    return {
      requests,
      seconds,
      perSecond: requests / seconds,
      byMethod: Object.fromEntries(
        runs.map(([method, run]) => [method, { requests: run.succeeded, p50: run.p50, p99: run.p99 }]),
      ),
      failures: runs.reduce((total, [, run]) => total + run.failed, 0),
      ...(problems.length > 0 ? { firstFailure: problems.join('; ') } : {}),
    };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

async function ab(
  method: 'GET' | 'HEAD',
  options: LoadOptions,
  connections: number,
  folder: string,
): Promise<AbRun> {
  const percentiles = join(folder, `${method}.csv`);
  const args = [
    '-k',
    ...(method === 'HEAD' ? ['-i'] : []),
    '-q',
    '-c',
    String(connections),
    '-t',
    String(options.seconds),
    '-n',
    String(options.seconds * UNREACHABLE_PER_SECOND),
    '-s',
    '10',
    '-e',
    percentiles,
    ...Object.entries(options.headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]),
    options.url,
  ];
  const { stdout } = await promisify(execFile)(AB_BINARY, args, { maxBuffer: 1 << 20 }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT')
        throw new Error(
          `ApacheBench is not at ${AB_BINARY}: install Debian's apache2-utils package or set BENCH_AB_BINARY`,
        );
      throw error;
    },
  );
  const field = (label: string, required = true): number => {
    const match = new RegExp(`^${label}:\\s+([\\d.]+)`, 'm').exec(stdout);
    if (!match && required) throw new Error(`ab printed no "${label}":\n${stdout}`);
    return match ? Number(match[1]) : 0;
  };
  // "Percentage served,Time in ms": one line per percent, 0 to 100.
  const table = new Map(
    (await readFile(percentiles, 'utf8'))
      .split('\n')
      .slice(1)
      .filter((line) => line.includes(','))
      .map((line) => line.split(',').map(Number) as [number, number]),
  );
  const failed = field('Failed requests') + field('Non-2xx responses', false);
  return {
    succeeded: field('Complete requests') - failed,
    failed,
    seconds: field('Time taken for tests'),
    p50: table.get(50) ?? Number.NaN,
    p99: table.get(99) ?? Number.NaN,
  };
}
