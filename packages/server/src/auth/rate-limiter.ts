import type { Coordinator, TokenBucketLimit } from '@berth/coordinator';
import type { RequestClass } from '../config/schema';

/** A sustained rate with a burst, as configured. */
export interface Rate {
  perSecond: number;
  burst: number;
}

/** A limit that replaces the default for one namespace's repositories or one account. */
export interface RateOverride {
  namespace?: string | undefined;
  account?: string | undefined;
  class: RequestClass;
  limit: Rate;
}

export interface RateLimiterOptions {
  coordinator: Coordinator;
  defaults: Record<RequestClass, Rate>;
  overrides: readonly RateOverride[];
  /** Told of every request refused for its rate limit, for metrics. */
  onRejected?: (requestClass: RequestClass) => void;
}

/** Who a request is counted against, and where it goes. */
export interface RateSubject {
  requestClass: RequestClass;
  /** The caller's account, or undefined for anonymous callers, who are counted by address. */
  account: string | undefined;
  source: string;
  namespace: string | undefined;
}

/** The outcome for one request, with what the response headers report. */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  retryAfterMs: number;
}

/**
 * Token buckets per caller and request class, kept in the coordinator so every process draws on
 * one shared budget. An account's override wins over its namespace's, which wins over the default.
 */
export class RateLimiter {
  readonly #options: RateLimiterOptions;

  constructor(options: RateLimiterOptions) {
    this.#options = options;
  }

  async take(subject: RateSubject): Promise<RateDecision> {
    const { requestClass, account, source, namespace } = subject;
    const { overrides, defaults, coordinator } = this.#options;
    const ofClass = overrides.filter((override) => override.class === requestClass);
    const byAccount = account === undefined ? undefined : ofClass.find((o) => o.account === account);
    const byNamespace = byAccount
      ? undefined
      : ofClass.find((o) => o.namespace !== undefined && o.namespace === namespace);
    const rate = (byAccount ?? byNamespace)?.limit ?? defaults[requestClass];
    // A namespace override is its own budget, so traffic elsewhere does not spend it.
    const scope = byNamespace ? `ns:${namespace}:` : '';
    const caller = account === undefined ? `addr:${source}` : `acct:${account}`;
    const bucket = `rate:${requestClass}:${scope}${caller}`;
    const result = await coordinator.takeTokens(bucket, bucketOf(rate), 1);
    if (!result.allowed) this.#options.onRejected?.(requestClass);
    return { ...result, limit: rate.burst };
  }
}

export function bucketOf(rate: Rate): TokenBucketLimit {
  return { capacity: rate.burst, refillPerSecond: rate.perSecond };
}
