import { createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { OWN_KEYS, type SigningAlgorithm } from './algorithms';
import { describeSource, loadPrivateKey, type KeySource } from './key-source';
import { VerificationKeys, type VerificationKey } from './verification-keys';

export interface KeyRingOptions {
  /** A private key. Its public half is a verification key without being listed. */
  signing?: KeySource;
  /** Public keys, certificates or private keys (whose public half is used), e.g. keys being rotated out. */
  verification?: KeySource[];
}

export interface SigningKey {
  kid: string;
  algorithm: SigningAlgorithm;
  key: KeyObject;
}

/** A JSON Web Key Set (RFC 7517 §5). */
export interface Jwks {
  keys: JsonWebKey[];
}

/** Berth's own token keys: the one it signs with and all it accepts. */
export class KeyRing {
  /** Undefined for a ring that only verifies, e.g. on a registry that trusts a separate token service. */
  readonly signingKey: SigningKey | undefined;
  private readonly verification = new VerificationKeys(OWN_KEYS);

  /** Throws, naming the offending key, on an unreadable, unsupported or duplicate key. */
  constructor({ signing, verification = [] }: KeyRingOptions) {
    if (signing !== undefined) {
      const label = describeSource('signing key', signing);
      const key = loadPrivateKey(signing, label);
      const { kid, algorithms } = this.verification.add(createPublicKey(key), signing.kid, label);
      this.signingKey = { kid, algorithm: algorithms[0], key };
    }
    this.verification.addSources(verification, 'verification key');
  }

  verificationKey(kid: string): VerificationKey<SigningAlgorithm> | undefined {
    return this.verification.get(kid);
  }

  /** The public keys, for publishing so that other services can verify Berth's tokens. */
  jwks(): Jwks {
    const keys = [...this.verification.values()].map(({ kid, key, algorithms }) => ({
      ...key.export({ format: 'jwk' }),
      kid,
      alg: algorithms[0],
      use: 'sig',
    }));
    return { keys };
  }
}

/** A new ES256 (P-256) signing key as PKCS#8 PEM: small keys and signatures, fast to sign. */
export function generateSigningKey(): { pem: string } {
  const { privateKey } = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { pem: privateKey };
}
