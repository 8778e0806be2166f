import { createHash, type KeyObject } from 'node:crypto';

/** RFC 7638 JWK thumbprint (SHA-256, base64url) of an RSA or EC public key: a stable default key id. */
export function jwkThumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  // Only the required members, in lexicographic order (RFC 7638 §3.2); JSON.stringify keeps this order.
  let members: Record<string, string | undefined>;
  if (jwk.kty === 'RSA') members = { e: jwk.e, kty: jwk.kty, n: jwk.n };
  else if (jwk.kty === 'EC') members = { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  else throw new Error(`no JWK thumbprint for key type ${jwk.kty ?? 'unknown'}`);
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}
