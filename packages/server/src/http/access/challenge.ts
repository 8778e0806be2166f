import type { Request } from 'express';
import { formatScope } from '@berth/core';
import type { Requirement } from './required-access';

/** Where clients are sent to get tokens, and the service name they must ask for. */
export interface ChallengeSettings {
  /** Token endpoint URL; by default /auth/token on the URL the client used. */
  realm?: string;
  publicUrl?: string;
  service: string;
}

export const TOKEN_PATH = '/auth/token';

/**
 * The WWW-Authenticate header of a 401: a Bearer challenge naming the token endpoint and the
 * scope the request needs, so clients can fetch a token and retry on their own.
 */
export function bearerChallenge(
  req: Request,
  settings: ChallengeSettings,
  requirement: Requirement,
  error?: 'invalid_token' | 'insufficient_scope',
): string {
  const realm =
    settings.realm ?? `${settings.publicUrl ?? `${req.protocol}://${req.get('host')}`}${TOKEN_PATH}`;
  const parts = [`realm="${realm}"`, `service="${settings.service}"`];
  const scope = challengeScope(requirement);
  if (scope !== undefined) parts.push(`scope="${scope}"`);
  if (error !== undefined) parts.push(`error="${error}"`);
  return `Bearer ${parts.join(',')}`;
}

/** The token scope a challenge asks for; none for a request that only needs a login. */
export function challengeScope(requirement: Requirement): string | undefined {
  if (requirement.kind === 'catalog')
    return formatScope({ type: 'registry', name: 'catalog', actions: ['*'] });
  if (requirement.kind === 'repository') return formatScope({ type: 'repository', ...requirement });
  return undefined;
}
