import { Pool, type Dispatcher } from 'undici';
import { percentile } from '../util/stats';
import { now } from '../util/units';

export interface LoadOptions {
  origin: string;
  path: string;
  /** Sent in turn: every connection alternates through them. */
  methods: readonly Dispatcher.HttpMethod[];
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

/**
 * Keeps `connections` keep-alive connections of an undici Pool busy with one request each,
 * back to back, for `seconds`; every latency is kept (sub-millisecond) for the percentiles.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const pool = new Pool(options.origin, {
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
  });
  const latencies = new Map<string, number[]>(options.methods.map((method) => [method, []]));
  let failures = 0;
  let firstFailure: string | undefined;
  const start = now();
  const deadline = start + options.seconds * 1000;
  const loop = async (connection: number): Promise<void> => {
    for (let i = connection; now() < deadline; i++) {
      const method = options.methods[i % options.methods.length] as Dispatcher.HttpMethod;
      const sent = now();
      try {
        // reset: false keeps HEAD on its keep-alive connection; undici closes it by default.
        const response = await pool.request({
          path: options.path,
          method,
          headers: options.headers,
          reset: false,
        });
        await response.body.dump({ limit: Number.MAX_SAFE_INTEGER });
        if (response.statusCode !== 200) throw new Error(`${method} answered ${response.statusCode}`);
        latencies.get(method)?.push(now() - sent);
      } catch (error) {
        failures++;
        firstFailure ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.connections }, (_, connection) => loop(connection)));
  } finally {
    await pool.close();
  }
  const seconds = (now() - start) / 1000;
  const requests = [...latencies.values()].reduce((total, list) => total + list.length, 0);
  return {
    requests,
    seconds,
    perSecond: requests / seconds,
    byMethod: Object.fromEntries(
      [...latencies].map(([method, list]) => [
        method,
        { requests: list.length, p50: percentile(list, 50), p99: percentile(list, 99) },
      ]),
    ),
    failures,
    ...(firstFailure !== undefined ? { firstFailure } : {}),
  };
}
