import { EXTERNAL_KEYS } from './algorithms';
import { jwksKeyLookup } from './jwks-key-lookup';
import type { KeySource } from './key-source';
import { VerificationKeys, type KeyLookup } from './verification-keys';

/** An identity provider whose access tokens Berth accepts; its keys from exactly one of jwksUrl and keys. */
export interface ExternalIssuer {
  /** Matched exactly against the token's `iss`. */
  issuer: string;
  /** Matched exactly against the token's `aud`. */
  audience: string;
  jwksUrl?: string | undefined;
  keys?: KeySource[] | undefined;
}

/** Throws, naming the issuer or key, on a configuration that could never verify a token. */
export function externalKeyLookup({ issuer, jwksUrl, keys }: ExternalIssuer): KeyLookup {
  if (jwksUrl !== undefined && keys === undefined) return jwksKeyLookup(jwksUrl);
  if (keys !== undefined && jwksUrl === undefined) {
    if (keys.length === 0) throw new Error(`external issuer "${issuer}": keys is empty`);
    const known = new VerificationKeys(EXTERNAL_KEYS);
    known.addSources(keys, `external issuer "${issuer}" key`);
    return async (kid) => known.get(kid);
  }
  throw new Error(`external issuer "${issuer}": give exactly one of jwksUrl and keys`);
}
