import { Counter, type Registry } from 'prom-client';

/** The in-process caches, as the `cache` label names them. */
export const CACHES = ['verified_credentials', 'manifests'] as const;
export type CacheName = (typeof CACHES)[number];

/** Hits and misses of every in-process cache. */
export class CacheMetrics {
  readonly #requests: Counter<'cache' | 'result'>;

  constructor(registry: Registry) {
    this.#requests = new Counter({
      name: 'berth_cache_requests_total',
      help: 'Lookups in an in-process cache by cache and result (hit or miss).',
      labelNames: ['cache', 'result'],
      registers: [registry],
    });
    // Every series exists from the start, so rates and alerts see the first event.
    for (const cache of CACHES)
      for (const result of ['hit', 'miss']) this.#requests.inc({ cache, result }, 0);
  }

  lookedUp(cache: CacheName, hit: boolean): void {
    this.#requests.inc({ cache, result: hit ? 'hit' : 'miss' });
  }
}
