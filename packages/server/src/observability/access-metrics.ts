import { Counter, type Registry } from 'prom-client';
import type { AccessObserver } from '../auth/access-services';
import { REQUEST_CLASSES, type RequestClass } from '../config/schema';
import type { CacheMetrics } from './cache-metrics';

/** Rate-limit refusals, failed logins and the verified-credentials cache's lookups. */
export class AccessMetrics implements AccessObserver {
  readonly #rateLimited: Counter<'class'>;
  readonly #failedLogins: Counter;
  readonly #caches: CacheMetrics;

  constructor(registry: Registry, caches: CacheMetrics) {
    this.#caches = caches;
    const registers = [registry];
    this.#rateLimited = new Counter({
      name: 'berth_rate_limit_rejections_total',
      help: 'Requests refused with 429 for their rate limit, by request class.',
      labelNames: ['class'],
      registers,
    });
    this.#failedLogins = new Counter({
      name: 'berth_failed_logins_total',
      help: 'Logins refused: unknown account, wrong password or secret, unusable robot, or too many failures.',
      registers,
    });
    // Every series exists from the start, so rates and alerts see the first event.
    for (const requestClass of REQUEST_CLASSES) this.#rateLimited.inc({ class: requestClass }, 0);
  }

  readonly rateLimitRejected = (requestClass: RequestClass): void =>
    this.#rateLimited.inc({ class: requestClass });

  readonly loginFailed = (): void => this.#failedLogins.inc();

  readonly verifiedCredentialsCache = (result: 'hit' | 'miss'): void =>
    this.#caches.lookedUp('verified_credentials', result === 'hit');
}
