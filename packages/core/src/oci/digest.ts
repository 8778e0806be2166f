import { createHash, type Hash } from 'node:crypto';
import { InvalidDigestError } from '../errors/domain-errors';

/** Digest algorithms the registry verifies, with the length of their hex encoding. */
export const DIGEST_ALGORITHMS = { sha256: 64, sha512: 128 } as const;

/** A supported digest algorithm. */
export type DigestAlgorithm = keyof typeof DIGEST_ALGORITHMS;

/** A validated digest such as `sha256:<64 hex>`. */
export interface Digest {
  algorithm: DigestAlgorithm;
  hex: string;
  /** The canonical `algorithm:hex` string. */
  value: string;
}

// The OCI grammar: algorithm-component ([.+_-] algorithm-component)* ":" encoded.
const DIGEST_GRAMMAR = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

function isAlgorithm(name: string): name is DigestAlgorithm {
  return Object.hasOwn(DIGEST_ALGORITHMS, name);
}

/** Parses a digest string; throws InvalidDigestError naming what is wrong. */
export function parseDigest(input: string): Digest {
  if (!DIGEST_GRAMMAR.test(input)) throw new InvalidDigestError(`malformed digest ${JSON.stringify(input)}`);
  const separator = input.indexOf(':');
  const algorithm = input.slice(0, separator);
  const hex = input.slice(separator + 1);
  if (!isAlgorithm(algorithm)) throw new InvalidDigestError(`unsupported digest algorithm "${algorithm}"`);
  if (hex.length !== DIGEST_ALGORITHMS[algorithm] || !/^[a-f0-9]+$/.test(hex)) {
    throw new InvalidDigestError(
      `${algorithm} digest must be ${DIGEST_ALGORITHMS[algorithm]} lowercase hex digits`,
    );
  }
  return { algorithm, hex, value: input };
}

/** True when the string looks like a digest rather than a tag (tags cannot contain ':'). */
export function looksLikeDigest(reference: string): boolean {
  return reference.includes(':');
}

/** Starts an incremental hash for an algorithm. */
export function createDigester(algorithm: DigestAlgorithm): Hash {
  return createHash(algorithm);
}

/** The digest of a buffer, as `algorithm:hex`. */
export function digestOf(data: Buffer, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}
