import type { ResourceAccess } from '@berth/core';
import { InvalidTokenError } from './invalid-token-error';

/**
 * Claim telling Berth's access tokens from its refresh tokens. Both are signed by the same key for
 * the same audience, so without it one could stand in for the other.
 */
export const TOKEN_USE_CLAIM = 'token_use';
export type TokenUse = 'access' | 'refresh';

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function isResourceAccess(value: unknown): value is ResourceAccess {
  if (typeof value !== 'object' || value === null) return false;
  const { type, name, actions } = value as Record<string, unknown>;
  return typeof type === 'string' && typeof name === 'string' && isStringArray(actions);
}

/** The `access` claim (distribution's token spec): absent grants nothing; malformed refuses the token. */
export function parseAccessClaim(claim: unknown): ResourceAccess[] {
  if (claim === undefined) return [];
  if (!Array.isArray(claim) || !claim.every(isResourceAccess)) {
    throw new InvalidTokenError('malformed access claim');
  }
  // Copied field by field so unexpected members of a token never travel further.
  return claim.map(({ type, name, actions }) => ({ type, name, actions: [...actions] }));
}
