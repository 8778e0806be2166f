import type { Request, Response } from 'express';
import type { WriteContext } from '@berth/metadata-store';
import {
  AccessDeniedError,
  accountOf,
  ANONYMOUS,
  AuthenticationError,
  TooManyRequestsError,
  writerOf,
  type AccessPolicy,
  type Identity,
  type NamespaceResolver,
} from '@berth/core';
import type { CallerIdentification } from '../../auth/caller-identification';
import type { RateLimiter } from '../../auth/rate-limiter';
import type { Endpoint, RouteParams } from '../route-table';
import { bearerChallenge, type ChallengeSettings } from './challenge';
import { credentialsOf } from './credentials';
import { requirementOf, type Requirement } from './required-access';

/** Checks a matched API request before its handler runs; throws to refuse it. */
export type RouteGuard = (
  req: Request,
  res: Response,
  endpoint: Endpoint,
  params: RouteParams,
) => Promise<void>;

/** Authentication and authorization, present only when auth is on. */
export interface AccessControl {
  identification: CallerIdentification;
  policy: AccessPolicy;
  challenge: ChallengeSettings;
}

export interface AccessGuardOptions {
  access?: AccessControl;
  rateLimiter?: RateLimiter;
  namespaces: NamespaceResolver;
}

const IDENTITY_LOCAL = 'identity';

/** The identity the guard established for this request (anonymous when auth is off). */
export function identityOf(res: Response): Identity {
  return (res.locals[IDENTITY_LOCAL] as Identity | undefined) ?? ANONYMOUS;
}

/** Who this request's writes are recorded as, in the events they make. */
export function writerOfRequest(res: Response): WriteContext {
  return writerOf(identityOf(res));
}

/**
 * Identifies the caller, spends the rate limit of the route's class, then checks the access the
 * route declares.
 */
export function createAccessGuard({ access, rateLimiter, namespaces }: AccessGuardOptions): RouteGuard {
  return async (req, res, endpoint, params) => {
    const requirement = requirementOf(endpoint.access, params.name);
    const source = req.ip ?? req.socket.remoteAddress ?? '';
    const identity = access ? await identify(req, res, access, requirement, source) : ANONYMOUS;
    res.locals[IDENTITY_LOCAL] = identity;
    // Counted before authorization, so requests that will be denied spend the budget too.
    if (rateLimiter) {
      const namespace =
        requirement.kind === 'repository' ? namespaces.namespaceOf(requirement.name) : undefined;
      await spendRateLimit(rateLimiter, res, endpoint, identity, source, namespace);
    }
    if (access) await authorize(req, res, access, identity, requirement);
  };
}

/**
 * Takes a request from the budget of its route's class, saying in the headers what is left;
 * throws TooManyRequestsError once it is spent.
 */
export async function spendRateLimit(
  rateLimiter: RateLimiter,
  res: Response,
  endpoint: Endpoint,
  identity: Identity,
  source: string,
  namespace: string | undefined,
): Promise<void> {
  const decision = await rateLimiter.take({
    requestClass: endpoint.rateClass,
    account: accountOf(identity),
    source,
    namespace,
  });
  res.setHeader('RateLimit-Limit', decision.limit);
  res.setHeader('RateLimit-Remaining', decision.remaining);
  if (!decision.allowed)
    throw new TooManyRequestsError('rate limit exceeded; slow down', decision.retryAfterMs);
}

async function identify(
  req: Request,
  res: Response,
  access: AccessControl,
  requirement: Requirement,
  source: string,
): Promise<Identity> {
  try {
    return await access.identification.identify(credentialsOf(req), source);
  } catch (error) {
    if (error instanceof AuthenticationError) {
      res.setHeader('WWW-Authenticate', bearerChallenge(req, access.challenge, requirement, 'invalid_token'));
    }
    throw error;
  }
}

async function authorize(
  req: Request,
  res: Response,
  access: AccessControl,
  identity: Identity,
  requirement: Requirement,
): Promise<void> {
  if (await isAllowed(access.policy, identity, requirement)) return;
  // Anonymous callers and token holders can fix this by fetching a (better) token; others cannot.
  if (identity.kind === 'anonymous' || identity.kind === 'token') {
    const reason = identity.kind === 'token' ? 'insufficient_scope' : undefined;
    res.setHeader('WWW-Authenticate', bearerChallenge(req, access.challenge, requirement, reason));
    throw new AuthenticationError(
      identity.kind === 'anonymous' ? 'authentication required' : 'the token does not grant this access',
    );
  }
  throw new AccessDeniedError(`${accountOf(identity)} may not do this`);
}

/** Whether the identity meets the requirement. */
export async function isAllowed(
  policy: AccessPolicy,
  identity: Identity,
  requirement: Requirement,
): Promise<boolean> {
  switch (requirement.kind) {
    case 'login':
      return identity.kind !== 'anonymous';
    case 'globalAdmin':
      return identity.kind === 'user' && identity.globalAdmin;
    case 'catalog':
      return identity.kind !== 'anonymous' && policy.mayListCatalog(identity);
    case 'repository':
      return policy.allows(identity, requirement.name, requirement.actions);
  }
}
