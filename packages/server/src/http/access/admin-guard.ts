import type { Request, Response } from 'express';
import { AccessDeniedError, accountOf, type AccessPolicy, type Identity } from '@berth/core';
import type { RateLimiter } from '../../auth/rate-limiter';
import type { Endpoint } from '../route-table';
import { isAllowed, spendRateLimit } from './access-guard';
import { requirementOf } from './required-access';

/** Checks a declared admin API request of a caller the admin API has identified; throws to refuse it. */
export type AdminGuard = (
  req: Request,
  res: Response,
  endpoint: Endpoint,
  identity: Identity,
) => Promise<void>;

/**
 * Spends the rate limit of the route's class, then checks the access the route declares, as the
 * OCI API's guard does. The caller logged in with a password (the admin API takes no token), so a
 * refusal is 403, with nothing a new token could fix.
 */
export function createAdminGuard({
  policy,
  rateLimiter,
}: {
  policy: AccessPolicy;
  rateLimiter?: RateLimiter;
}): AdminGuard {
  return async (req, res, endpoint, identity) => {
    const source = req.ip ?? req.socket.remoteAddress ?? '';
    if (rateLimiter) await spendRateLimit(rateLimiter, res, endpoint, identity, source, undefined);
    if (!(await isAllowed(policy, identity, requirementOf(endpoint.access, '')))) {
      throw new AccessDeniedError(`${accountOf(identity) ?? 'an anonymous caller'} may not do this`);
    }
  };
}
