import type { KeyObject } from 'node:crypto';
import { describeKey, type AlgorithmPolicy, type VerificationAlgorithm } from './algorithms';
import { jwkThumbprint } from './jwk-thumbprint';
import { describeSource, loadPublicKey, type KeySource } from './key-source';

/** A public key that may verify tokens naming `kid`, with the algorithms allowed for it. */
export interface VerificationKey<A extends VerificationAlgorithm = VerificationAlgorithm> {
  kid: string;
  key: KeyObject;
  algorithms: readonly [A, ...A[]];
}

/** Public keys by key id, each checked against a policy as it is added. */
export class VerificationKeys<A extends VerificationAlgorithm = VerificationAlgorithm> {
  private readonly byKid = new Map<string, VerificationKey<A>>();

  constructor(private readonly policy: AlgorithmPolicy<A>) {}

  /** Adds `sources`, naming them `${role} 1`, `${role} 2`, ... in error messages. */
  addSources(sources: readonly KeySource[], role: string): void {
    sources.forEach((source, index) => {
      const label = describeSource(`${role} ${index + 1}`, source);
      this.add(loadPublicKey(source, label), source.kid, label);
    });
  }

  /** `kid` defaults to the key's RFC 7638 thumbprint, so it stays the same across restarts and replicas. */
  add(key: KeyObject, kid: string | undefined, label: string): VerificationKey<A> {
    const [first, ...rest] = this.policy.algorithmsFor(key);
    if (first === undefined) {
      throw new Error(`${label}: unsupported key (${describeKey(key)}); expected ${this.policy.accepts}`);
    }
    if (kid === '') throw new Error(`${label}: kid must not be empty`);
    const entry: VerificationKey<A> = { kid: kid ?? jwkThumbprint(key), key, algorithms: [first, ...rest] };
    if (this.byKid.has(entry.kid)) throw new Error(`${label}: duplicate key id "${entry.kid}"`);
    this.byKid.set(entry.kid, entry);
    return entry;
  }

  get(kid: string): VerificationKey<A> | undefined {
    return this.byKid.get(kid);
  }

  values(): IterableIterator<VerificationKey<A>> {
    return this.byKid.values();
  }
}

/** Finds an issuer's key by key id; undefined when the issuer has no such key. */
export type KeyLookup = (kid: string) => Promise<VerificationKey | undefined>;
