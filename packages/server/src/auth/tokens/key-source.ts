import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** A PEM key given inline or as a file path (exactly one), with an optional key id. */
export interface KeySource {
  pem?: string | undefined;
  file?: string | undefined;
  kid?: string | undefined;
}

/** Names a key in error messages, e.g. `signing key (/etc/berth/key.pem)`, never showing key material. */
export function describeSource(role: string, source: KeySource): string {
  return `${role} (${source.file ?? 'inline PEM'})`;
}

function readPem({ pem, file }: KeySource, label: string): string {
  if (pem !== undefined && file === undefined) return pem;
  if (file !== undefined && pem === undefined) return readFileSync(file, 'utf8');
  throw new Error(`${label}: give exactly one of pem and file`);
}

export function loadPrivateKey(source: KeySource, label: string): KeyObject {
  const pem = readPem(source, label);
  try {
    return createPrivateKey(pem);
  } catch (cause) {
    throw new Error(`${label}: not an unencrypted PEM private key`, { cause });
  }
}

/** Takes a public key, a certificate or a private key, and keeps only the public key. */
export function loadPublicKey(source: KeySource, label: string): KeyObject {
  const pem = readPem(source, label);
  try {
    // A certificate only carries the key here: trust comes from configuring it, not from its chain or dates.
    return createPublicKey(pem);
  } catch (cause) {
    throw new Error(`${label}: not a PEM public key, certificate or private key`, { cause });
  }
}
