import { Counter, type Registry } from 'prom-client';
import type { AccessObserver } from '../auth/access-services';
import { REQUEST_CLASSES, type RequestClass } from '../config/schema';

const VERIFIED_CREDENTIALS = 'verified_credentials';

/** Rate-limit refusals, failed logins and the verified-credentials cache. */
export class AccessMetrics implements AccessObserver {
  readonly #rateLimited: Counter<'class'>;
  readonly #failedLogins: Counter;
  readonly #cacheRequests: Counter<'cache' | 'result'>;

  constructor(registry: Registry) {
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
    this.#cacheRequests = new Counter({
      name: 'berth_cache_requests_total',
      help: 'Lookups in an in-process cache by cache and result (hit or miss).',
      labelNames: ['cache', 'result'],
      registers,
    });
    // Every series exists from the start, so rates and alerts see the first event.
    for (const requestClass of REQUEST_CLASSES) this.#rateLimited.inc({ class: requestClass }, 0);
    for (const result of ['hit', 'miss']) this.#cacheRequests.inc({ cache: VERIFIED_CREDENTIALS, result }, 0);
  }

  readonly rateLimitRejected = (requestClass: RequestClass): void =>
    this.#rateLimited.inc({ class: requestClass });

  readonly loginFailed = (): void => this.#failedLogins.inc();

  readonly verifiedCredentialsCache = (result: 'hit' | 'miss'): void =>
    this.#cacheRequests.inc({ cache: VERIFIED_CREDENTIALS, result });
}
