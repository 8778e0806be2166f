import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyPairKeyObjectResult,
} from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwkThumbprint } from './jwk-thumbprint';
import { generateSigningKey, KeyRing } from './key-ring';

function pems({ privateKey, publicKey }: KeyPairKeyObjectResult): { privatePem: string; publicPem: string } {
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

const ec = (namedCurve = 'P-256') => pems(generateKeyPairSync('ec', { namedCurve }));
const rsa = (modulusLength = 2048) => pems(generateKeyPairSync('rsa', { modulusLength }));

// A self-signed P-256 certificate; only its public key matters to the key ring.
const CERTIFICATE = `-----BEGIN CERTIFICATE-----
MIIBdTCCARugAwIBAgIUJEDLBxbryXR1KW+d25fqJety6ucwCgYIKoZIzj0EAwIw
DzENMAsGA1UEAwwEdGVzdDAgFw0yNjExMjMwMDM3NTlaGA8yMTI2MTAzMDAwMzc1
OVowDzENMAsGA1UEAwwEdGVzdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABAXt
ogmfVo6NBWqH1kw3KVVEHQ3g+XNcomfXlp4cN0YANRUK72UJBNITjYUmVbkKsyjZ
ASsA0M3olWXRRRJSWsmjUzBRMB0GA1UdDgQWBBSpktsANqu8REZH61LFBSlILDTl
1jAfBgNVHSMEGDAWgBSpktsANqu8REZH61LFBSlILDTl1jAPBgNVHRMBAf8EBTAD
AQH/MAoGCCqGSM49BAMCA0gAMEUCIFkhiNQmr6x3r5w6jCSfqc8EUu3hQgw08h0o
shMQgZeGAiEAs0YkaNF13mDGXn++tYkOiSZTyD/UuksTYKMP+eNIsfE=
-----END CERTIFICATE-----
`;

describe('KeyRing', () => {
  it.each([
    ['EC P-256', ec, 'ES256'],
    ['RSA', rsa, 'RS256'],
  ])('signs with a %s key and verifies with its public half', (_, generate, algorithm) => {
    const { privatePem, publicPem } = generate();
    const ring = new KeyRing({ signing: { pem: privatePem } });

    const kid = jwkThumbprint(createPublicKey(publicPem));
    expect(ring.signingKey).toEqual({ kid, algorithm, key: expect.anything() });
    expect(ring.signingKey?.key.type).toBe('private');
    const verification = ring.verificationKey(kid);
    expect(verification?.algorithms).toEqual([algorithm]);
    expect(verification?.key.type).toBe('public');
  });

  it('derives the same kid from the same key every time, in whatever form it is given', () => {
    const { privatePem, publicPem } = ec();
    const first = new KeyRing({ signing: { pem: privatePem } }).signingKey?.kid;
    const second = new KeyRing({ signing: { pem: privatePem } }).signingKey?.kid;
    expect(first).toBeDefined();
    expect(second).toBe(first);
    expect(new KeyRing({ verification: [{ pem: publicPem }] }).verificationKey(first ?? '')).toBeDefined();
  });

  it('uses a configured kid', () => {
    const ring = new KeyRing({ signing: { pem: ec().privatePem, kid: 'key-2024' } });
    expect(ring.signingKey?.kid).toBe('key-2024');
    expect(ring.verificationKey('key-2024')).toBeDefined();
  });

  it('takes verification keys as public keys, private keys or certificates', () => {
    const publicOnly = ec();
    const privateToo = rsa();
    const ring = new KeyRing({
      verification: [
        { pem: publicOnly.publicPem, kid: 'public' },
        { pem: privateToo.privatePem, kid: 'private' },
        { pem: CERTIFICATE, kid: 'certificate' },
      ],
    });
    expect(ring.signingKey).toBeUndefined();
    expect(ring.verificationKey('public')?.algorithms).toEqual(['ES256']);
    expect(ring.verificationKey('private')?.key.type).toBe('public');
    expect(ring.verificationKey('certificate')?.key.export({ format: 'jwk' })).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: 'Be2iCZ9Wjo0FaofWTDcpVUQdDeD5c1yiZ9eWnhw3RgA',
      y: 'NRUK72UJBNITjYUmVbkKsyjZASsA0M3olWXRRRJSWsk',
    });
  });

  describe('with key files', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'berth-keys-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('reads keys from files', () => {
      const { privatePem, publicPem } = ec();
      writeFileSync(join(dir, 'signing.pem'), privatePem);
      writeFileSync(join(dir, 'old.pem'), publicPem);
      const ring = new KeyRing({
        signing: { file: join(dir, 'signing.pem'), kid: 'new' },
        verification: [{ file: join(dir, 'old.pem'), kid: 'old' }],
      });
      expect(ring.signingKey?.kid).toBe('new');
      expect(ring.verificationKey('old')).toBeDefined();
    });

    it('names the file of a key it cannot parse', () => {
      writeFileSync(join(dir, 'broken.pem'), 'not a key');
      expect(() => new KeyRing({ verification: [{ file: join(dir, 'broken.pem') }] })).toThrow(
        `verification key 1 (${join(dir, 'broken.pem')}): not a PEM public key, certificate or private key`,
      );
    });
  });

  it('wants exactly one of pem and file', () => {
    expect(() => new KeyRing({ signing: {} })).toThrow(
      'signing key (inline PEM): give exactly one of pem and file',
    );
    expect(() => new KeyRing({ verification: [{ pem: ec().publicPem, file: '/etc/key.pem' }] })).toThrow(
      'verification key 1 (/etc/key.pem): give exactly one of pem and file',
    );
  });

  it('wants a private key to sign with', () => {
    expect(() => new KeyRing({ signing: { pem: ec().publicPem } })).toThrow(
      'signing key (inline PEM): not an unencrypted PEM private key',
    );
  });

  it.each([
    ['Ed25519', () => pems(generateKeyPairSync('ed25519')), 'ed25519'],
    ['EC P-384', () => ec('P-384'), 'ec secp384r1'],
    ['short RSA', () => rsa(1024), 'rsa 1024-bit'],
  ])('refuses %s keys, naming the key', (_, generate, description) => {
    const { privatePem, publicPem } = generate();
    const expected =
      `unsupported key (${description}); ` +
      'expected RSA keys of at least 2048 bits (RS256) or EC P-256 keys (ES256)';
    expect(() => new KeyRing({ signing: { pem: privatePem } })).toThrow(
      `signing key (inline PEM): ${expected}`,
    );
    expect(() => new KeyRing({ verification: [{ pem: ec().publicPem }, { pem: publicPem }] })).toThrow(
      `verification key 2 (inline PEM): ${expected}`,
    );
  });

  it('refuses duplicate kids', () => {
    const { privatePem, publicPem } = ec();
    expect(() => new KeyRing({ signing: { pem: privatePem }, verification: [{ pem: publicPem }] })).toThrow(
      /^verification key 1 \(inline PEM\): duplicate key id "[A-Za-z0-9_-]{43}"$/,
    );
    expect(
      () =>
        new KeyRing({
          verification: [
            { pem: ec().publicPem, kid: 'same' },
            { pem: rsa().publicPem, kid: 'same' },
          ],
        }),
    ).toThrow('verification key 2 (inline PEM): duplicate key id "same"');
  });

  it('refuses an empty kid', () => {
    expect(() => new KeyRing({ signing: { pem: ec().privatePem, kid: '' } })).toThrow(
      'signing key (inline PEM): kid must not be empty',
    );
  });

  it('publishes its public keys as a JWKS', () => {
    const ring = new KeyRing({
      signing: { pem: ec().privatePem, kid: 'current' },
      verification: [{ pem: rsa().privatePem, kid: 'previous' }],
    });
    const { keys } = ring.jwks();
    expect(keys).toEqual([
      {
        kty: 'EC',
        crv: 'P-256',
        x: expect.any(String),
        y: expect.any(String),
        kid: 'current',
        alg: 'ES256',
        use: 'sig',
      },
      { kty: 'RSA', n: expect.any(String), e: 'AQAB', kid: 'previous', alg: 'RS256', use: 'sig' },
    ]);
    for (const jwk of keys) expect(createPublicKey({ key: jwk, format: 'jwk' }).type).toBe('public');
  });
});

describe('generateSigningKey', () => {
  it('makes a P-256 PKCS#8 key the key ring signs with', () => {
    const { pem } = generateSigningKey();
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(createPrivateKey(pem).asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
    expect(new KeyRing({ signing: { pem } }).signingKey?.algorithm).toBe('ES256');
    expect(generateSigningKey().pem).not.toBe(pem);
  });
});
