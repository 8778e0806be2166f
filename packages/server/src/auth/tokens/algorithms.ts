import type { KeyObject } from 'node:crypto';

/** What Berth signs with. */
export type SigningAlgorithm = 'RS256' | 'ES256';
/** What Berth accepts from any issuer. Never `none`, never HMAC: every key here is asymmetric. */
export type VerificationAlgorithm = SigningAlgorithm | 'RS384' | 'RS512' | 'ES384';

const VERIFICATION_ALGORITHMS: ReadonlySet<string> = new Set<VerificationAlgorithm>([
  'RS256',
  'RS384',
  'RS512',
  'ES256',
  'ES384',
]);

export function isVerificationAlgorithm(alg: unknown): alg is VerificationAlgorithm {
  return typeof alg === 'string' && VERIFICATION_ALGORITHMS.has(alg);
}

/** Which algorithms a key may be used with. Tying them to the key type rules out algorithm confusion. */
export interface AlgorithmPolicy<A extends VerificationAlgorithm = VerificationAlgorithm> {
  /** The keys the policy takes, for error messages. */
  readonly accepts: string;
  /** Empty when the policy refuses the key. */
  algorithmsFor(key: KeyObject): readonly A[];
}

// Shorter RSA keys are within reach of factoring; jsonwebtoken will not sign with them either.
const MIN_RSA_BITS = 2048;

function isStrongRsa(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= MIN_RSA_BITS;
}

function curveOf(key: KeyObject): string | undefined {
  return key.asymmetricKeyType === 'ec' ? key.asymmetricKeyDetails?.namedCurve : undefined;
}

/** Berth's own keys: one algorithm each, so a token's `alg` has exactly one acceptable value. */
export const OWN_KEYS: AlgorithmPolicy<SigningAlgorithm> = {
  accepts: `RSA keys of at least ${MIN_RSA_BITS} bits (RS256) or EC P-256 keys (ES256)`,
  algorithmsFor(key) {
    if (isStrongRsa(key)) return ['RS256'];
    return curveOf(key) === 'prime256v1' ? ['ES256'] : [];
  },
};

/** Keys of external identity providers, which commonly sign with any RSA hash size or P-384. */
export const EXTERNAL_KEYS: AlgorithmPolicy = {
  accepts:
    `RSA keys of at least ${MIN_RSA_BITS} bits (RS256/RS384/RS512) ` +
    'or EC P-256 (ES256) or P-384 (ES384) keys',
  algorithmsFor(key) {
    if (isStrongRsa(key)) return ['RS256', 'RS384', 'RS512'];
    switch (curveOf(key)) {
      case 'prime256v1':
        return ['ES256'];
      case 'secp384r1':
        return ['ES384'];
      default:
        return [];
    }
  },
};

/** e.g. `rsa 1024-bit`, `ec secp521r1`, `ed25519`: enough to tell an operator what they configured. */
export function describeKey(key: KeyObject): string {
  const details = key.asymmetricKeyDetails;
  if (details?.modulusLength !== undefined) return `${key.asymmetricKeyType} ${details.modulusLength}-bit`;
  if (details?.namedCurve !== undefined) return `${key.asymmetricKeyType} ${details.namedCurve}`;
  return key.asymmetricKeyType ?? key.type;
}
