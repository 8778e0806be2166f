import { createPublicKey } from 'node:crypto';
import { JwksClient, SigningKeyNotFoundError, type SigningKey } from 'jwks-rsa';
import { EXTERNAL_KEYS } from './algorithms';
import { InvalidTokenError } from './invalid-token-error';
import type { KeyLookup } from './verification-keys';

// jwks-rsa keeps each key it finds for 10 minutes; only a kid it has not seen makes it fetch the set
// again. Capping those fetches stops tokens with made-up kids from hammering the identity provider.
const FETCHES_PER_MINUTE = 10;
// The fetch holds up a registry request, so give up long before jwks-rsa's default of 30 s.
const FETCH_TIMEOUT_MS = 5_000;

/** Keys of an external issuer, fetched from its JWKS endpoint. */
export function jwksKeyLookup(jwksUri: string): KeyLookup {
  const client = new JwksClient({
    jwksUri,
    cache: true,
    rateLimit: true,
    jwksRequestsPerMinute: FETCHES_PER_MINUTE,
    timeout: FETCH_TIMEOUT_MS,
  });
  return async (kid) => {
    let found: SigningKey;
    try {
      found = await client.getSigningKey(kid);
    } catch (error) {
      if (error instanceof SigningKeyNotFoundError) return undefined;
      throw new InvalidTokenError('could not fetch the issuer keys');
    }
    const key = createPublicKey(found.getPublicKey());
    // jwks-rsa's types promise `alg`, but it is only there when the JWK names one.
    const declared: string | undefined = found.alg;
    const [first, ...rest] = EXTERNAL_KEYS.algorithmsFor(key).filter(
      (algorithm) => declared === undefined || algorithm === declared,
    );
    if (first === undefined) throw new InvalidTokenError('issuer key type not supported');
    return { kid, key, algorithms: [first, ...rest] };
  };
}
