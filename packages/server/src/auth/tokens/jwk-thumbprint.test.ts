import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { jwkThumbprint } from './jwk-thumbprint';

describe('jwkThumbprint', () => {
  it('matches the example of RFC 7638 §3.1', () => {
    const n =
      '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw';
    const key = createPublicKey({ key: { kty: 'RSA', n, e: 'AQAB' }, format: 'jwk' });
    expect(jwkThumbprint(key)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('is the same for an EC key however it is encoded', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const fromPem = createPublicKey(publicKey.export({ type: 'spki', format: 'pem' }));
    const fromJwk = createPublicKey({ key: publicKey.export({ format: 'jwk' }), format: 'jwk' });
    expect(jwkThumbprint(fromPem)).toBe(jwkThumbprint(publicKey));
    expect(jwkThumbprint(fromJwk)).toBe(jwkThumbprint(publicKey));
    expect(jwkThumbprint(publicKey)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses key types without a defined thumbprint here', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    expect(() => jwkThumbprint(publicKey)).toThrow('no JWK thumbprint for key type OKP');
  });
});
