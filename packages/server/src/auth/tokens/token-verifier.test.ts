import { createHmac, createPublicKey, generateKeyPairSync, type KeyPairKeyObjectResult } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sign, type Algorithm } from 'jsonwebtoken';
import { InvalidTokenError } from './invalid-token-error';
import { KeyRing } from './key-ring';
import { TokenIssuer } from './token-issuer';
import { TokenVerifier, type ExternalIssuer, type TokenVerifierOptions } from './token-verifier';

const ISSUER = 'berth';
const AUDIENCE = 'registry.test';
const ACCESS = [{ type: 'repository', name: 'team/app', actions: ['pull'] }];

interface Pems {
  privatePem: string;
  publicPem: string;
}

function pems({ privateKey, publicKey }: KeyPairKeyObjectResult): Pems {
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

const ec = (namedCurve = 'P-256') => pems(generateKeyPairSync('ec', { namedCurve }));
const rsa = () => pems(generateKeyPairSync('rsa', { modulusLength: 2048 }));

const now = () => Math.floor(Date.now() / 1000);

/** The claims of a valid access token from Berth; `undefined` in `overrides` drops a claim. */
function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const time = now();
  const all: Record<string, unknown> = {
    iss: ISSUER,
    sub: 'alice',
    aud: AUDIENCE,
    iat: time,
    nbf: time,
    exp: time + 300,
    token_use: 'access',
    access: ACCESS,
    ...overrides,
  };
  return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined));
}

function signed(pem: string, kid: string | undefined, payload: object, algorithm: Algorithm): string {
  return sign(payload, pem, { algorithm, ...(kid !== undefined ? { keyid: kid } : {}) });
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A JWT put together by hand, for the tokens that jsonwebtoken rightly refuses to make. */
function forge(header: object, payload: object, signature: (signingInput: string) => string): string {
  const signingInput = `${base64url(header)}.${base64url(payload)}`;
  return `${signingInput}.${signature(signingInput)}`;
}

async function expectRefused(
  verify: (token: string) => Promise<unknown>,
  token: string,
  reason: string | RegExp,
): Promise<void> {
  const error = await verify(token).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(InvalidTokenError);
  const { reason: actual, message } = error as InvalidTokenError;
  if (typeof reason === 'string') expect(actual).toBe(reason);
  else expect(actual).toMatch(reason);
  for (const part of token.split('.').filter((part) => part.length > 8)) expect(message).not.toContain(part);
}

/** Berth's own issuer and verifier around one signing key. */
function berth(signing: Pems, options: Partial<TokenVerifierOptions> = {}) {
  const keys = new KeyRing({ signing: { pem: signing.privatePem, kid: 'current' } });
  const verifier = new TokenVerifier({ keys, issuer: ISSUER, audience: AUDIENCE, ...options });
  return {
    issuer: new TokenIssuer({
      keys,
      issuer: ISSUER,
      accessTokenTtlSeconds: 300,
      refreshTokenTtlSeconds: 3600,
    }),
    verifier,
    access: (token: string) => verifier.verifyAccessToken(token),
    refresh: (token: string) => verifier.verifyRefreshToken(token),
  };
}

describe.each([
  ['EC', ec, 'ES256'],
  ['RSA', rsa, 'RS256'],
] as const)('TokenVerifier with %s keys', (_, generate, algorithm) => {
  const key = generate();
  const { issuer, verifier, access, refresh } = berth(key);

  it('verifies the access tokens Berth issues', async () => {
    const { token, issuedAt } = issuer.issueAccessToken({
      subject: 'alice',
      audience: AUDIENCE,
      access: ACCESS,
    });
    await expect(verifier.verifyAccessToken(token)).resolves.toEqual({
      subject: 'alice',
      issuer: ISSUER,
      access: ACCESS,
      expiresAt: new Date(issuedAt.getTime() + 300_000),
    });
  });

  it('verifies the refresh tokens Berth issues', async () => {
    const token = issuer.issueRefreshToken({ subject: 'alice', audience: AUDIENCE });
    await expect(verifier.verifyRefreshToken(token)).resolves.toEqual({ subject: 'alice' });
  });

  it('refuses a refresh token as an access token, and the other way round', async () => {
    const refreshToken = issuer.issueRefreshToken({ subject: 'alice', audience: AUDIENCE });
    const { token: accessToken } = issuer.issueAccessToken({
      subject: 'alice',
      audience: AUDIENCE,
      access: ACCESS,
    });
    await expectRefused(access, refreshToken, 'wrong token type: access token required');
    await expectRefused(refresh, accessToken, 'wrong token type: refresh token required');
  });

  it('refuses a token signed by another key under the same kid', async () => {
    const token = signed(generate().privatePem, 'current', claims(), algorithm);
    await expectRefused(access, token, 'invalid signature');
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const { token } = issuer.issueAccessToken({ subject: 'alice', audience: AUDIENCE, access: ACCESS });
    const [header, payload, signature] = token.split('.');
    const claimed = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
    const widened = {
      ...claimed,
      access: [{ type: 'repository', name: 'team/app', actions: ['pull', 'push'] }],
    };
    await expectRefused(access, `${header}.${base64url(widened)}.${signature}`, 'invalid signature');
  });

  it('refuses HS256 tokens keyed with the public key (algorithm confusion)', async () => {
    const hmac = (input: string) => createHmac('sha256', key.publicPem).update(input).digest('base64url');
    const token = forge({ alg: 'HS256', typ: 'JWT', kid: 'current' }, claims(), hmac);
    await expectRefused(access, token, 'signing algorithm not allowed');
  });
});

describe('TokenVerifier with Berth tokens', () => {
  const key = ec();
  const { verifier, access, refresh } = berth(key);
  const token = (payload: object, kid = 'current') => signed(key.privatePem, kid, payload, 'ES256');

  it('accepts anonymous tokens, whose subject is empty', async () => {
    await expect(verifier.verifyAccessToken(token(claims({ sub: '' })))).resolves.toMatchObject({
      subject: '',
    });
  });

  it('refuses expired tokens, allowing for clock skew', async () => {
    await expectRefused(access, token(claims({ exp: now() - 31 })), 'token has expired');
    await expect(verifier.verifyAccessToken(token(claims({ exp: now() - 20 })))).resolves.toBeDefined();
    const strict = berth(key, { clockToleranceSeconds: 0 });
    await expectRefused(strict.access, token(claims({ exp: now() - 1 })), 'token has expired');
  });

  it('refuses tokens that are not yet valid, allowing for clock skew', async () => {
    await expectRefused(access, token(claims({ nbf: now() + 60 })), 'token is not yet valid');
    await expect(verifier.verifyAccessToken(token(claims({ nbf: now() + 20 })))).resolves.toBeDefined();
  });

  it('refuses tokens without an expiry', async () => {
    await expectRefused(access, token(claims({ exp: undefined })), 'token has no expiry');
  });

  it('refuses tokens for another audience', async () => {
    await expectRefused(access, token(claims({ aud: 'other.registry' })), /^jwt audience invalid/);
    await expectRefused(access, token(claims({ aud: undefined })), /^jwt audience invalid/);
  });

  it('refuses tokens from an issuer it does not know', async () => {
    await expectRefused(access, token(claims({ iss: 'someone-else' })), 'untrusted issuer');
    await expectRefused(access, token(claims({ iss: undefined })), 'untrusted issuer');
  });

  it('refuses tokens naming a key it does not have, or none', async () => {
    await expectRefused(access, token(claims(), 'retired'), 'unknown key id');
    await expectRefused(
      access,
      signed(key.privatePem, undefined, claims(), 'ES256'),
      'token names no key id',
    );
    await expectRefused(access, token(claims(), ''), 'token names no key id');
  });

  it.each(['none', 'None', 'NONE'])('refuses unsigned tokens (alg: %s)', async (alg) => {
    const unsigned = forge({ alg, typ: 'JWT', kid: 'current' }, claims(), () => '');
    await expectRefused(access, unsigned, 'signing algorithm not allowed');
  });

  it('refuses an algorithm other than the one of the key', async () => {
    const rsaKey = rsa();
    const rsaRing = berth(rsaKey);
    await expectRefused(
      rsaRing.access,
      signed(rsaKey.privatePem, 'current', claims(), 'RS384'),
      'signing algorithm does not match the key',
    );
    await expectRefused(
      access,
      signed(rsaKey.privatePem, 'current', claims(), 'RS256'),
      'signing algorithm does not match the key',
    );
  });

  it('refuses a signature of the wrong shape', async () => {
    const [header, payload, signature] = token(claims()).split('.');
    const truncated = `${header}.${payload}.${signature?.slice(0, 20)}`;
    await expectRefused(access, truncated, 'invalid signature');
  });

  it('refuses Berth tokens that do not say what they are for', async () => {
    await expectRefused(
      access,
      token(claims({ token_use: undefined })),
      'wrong token type: access token required',
    );
    await expectRefused(
      refresh,
      token(claims({ token_use: undefined })),
      'wrong token type: refresh token required',
    );
  });

  it('refuses tokens without a subject', async () => {
    await expectRefused(access, token(claims({ sub: undefined })), 'token has no subject');
    await expectRefused(access, token(claims({ sub: 42 })), 'token has no subject');
  });

  it('reads a missing access claim as no access', async () => {
    await expect(verifier.verifyAccessToken(token(claims({ access: undefined })))).resolves.toMatchObject({
      access: [],
    });
  });

  it.each([
    ['a string', 'repository:team/app:pull'],
    ['an object', { type: 'repository', name: 'team/app', actions: ['pull'] }],
    ['entries without actions', [{ type: 'repository', name: 'team/app' }]],
    ['actions that are not strings', [{ type: 'repository', name: 'team/app', actions: [true] }]],
  ])('refuses malformed access claims: %s', async (_, accessClaim) => {
    await expectRefused(access, token(claims({ access: accessClaim })), 'malformed access claim');
  });

  it.each(['', 'abc', 'a.b.c', 'a.b', `${base64url({ alg: 'ES256' })}.bm90IGpzb24.c2ln`])(
    'refuses what is not a JWT: %j',
    async (garbage) => {
      await expectRefused(access, garbage, 'malformed token');
    },
  );
});

describe('TokenVerifier across key rotation', () => {
  const previous = ec();
  const next = rsa();
  const before = new KeyRing({ signing: { pem: previous.privatePem } });
  const during = new KeyRing({
    signing: { pem: next.privatePem },
    verification: [{ pem: previous.publicPem }],
  });
  const after = new KeyRing({ signing: { pem: next.privatePem } });
  const issue = (keys: KeyRing) =>
    new TokenIssuer({
      keys,
      issuer: ISSUER,
      accessTokenTtlSeconds: 60,
      refreshTokenTtlSeconds: 60,
    }).issueAccessToken({
      subject: 'alice',
      audience: AUDIENCE,
      access: ACCESS,
    }).token;
  const verifierOf = (keys: KeyRing) => new TokenVerifier({ keys, issuer: ISSUER, audience: AUDIENCE });

  it('accepts tokens of the old key while it is a verification key', async () => {
    const oldToken = issue(before);
    await expect(verifierOf(during).verifyAccessToken(oldToken)).resolves.toMatchObject({ subject: 'alice' });
    await expect(verifierOf(during).verifyAccessToken(issue(during))).resolves.toMatchObject({
      subject: 'alice',
    });
  });

  it('refuses them once the old key is gone', async () => {
    const verifier = verifierOf(after);
    await expectRefused((token) => verifier.verifyAccessToken(token), issue(before), 'unknown key id');
    await expect(verifier.verifyAccessToken(issue(during))).resolves.toMatchObject({ subject: 'alice' });
  });
});

const IDP = 'https://idp.example';
const IDP_AUDIENCE = 'berth-registry';

/** Claims as an identity provider writes them: no `token_use`. */
const idpClaims = (overrides: Record<string, unknown> = {}) =>
  claims({ iss: IDP, aud: IDP_AUDIENCE, token_use: undefined, ...overrides });

describe('TokenVerifier with an external issuer configured by keys', () => {
  const own = ec();
  const idpRsa = rsa();
  const idpEc384 = ec('P-384');
  const external: ExternalIssuer = {
    issuer: IDP,
    audience: IDP_AUDIENCE,
    keys: [
      { pem: idpRsa.publicPem, kid: 'idp-rsa' },
      { pem: idpEc384.publicPem, kid: 'idp-ec' },
    ],
  };
  const { verifier, access, refresh } = berth(own, { external: [external] });

  it.each([
    ['RS256', idpRsa, 'idp-rsa'],
    ['RS512', idpRsa, 'idp-rsa'],
    ['ES384', idpEc384, 'idp-ec'],
  ] as const)('accepts its %s tokens', async (algorithm, key, kid) => {
    const token = signed(key.privatePem, kid, idpClaims(), algorithm);
    await expect(verifier.verifyAccessToken(token)).resolves.toEqual({
      subject: 'alice',
      issuer: IDP,
      access: ACCESS,
      expiresAt: expect.any(Date),
    });
  });

  it('holds its tokens to its own audience', async () => {
    await expectRefused(
      access,
      signed(idpRsa.privatePem, 'idp-rsa', idpClaims({ aud: AUDIENCE }), 'RS256'),
      /^jwt audience invalid/,
    );
  });

  it("does not mix up one issuer's keys with another's", async () => {
    await expectRefused(access, signed(own.privatePem, 'current', idpClaims(), 'ES256'), 'unknown key id');
    await expectRefused(access, signed(idpRsa.privatePem, 'idp-rsa', claims(), 'RS256'), 'unknown key id');
  });

  it('refuses its tokens that say they are for something else', async () => {
    await expectRefused(
      access,
      signed(idpRsa.privatePem, 'idp-rsa', idpClaims({ token_use: 'refresh' }), 'RS256'),
      'wrong token type: access token required',
    );
  });

  it('never takes its tokens as refresh tokens', async () => {
    const token = signed(idpRsa.privatePem, 'idp-rsa', idpClaims({ token_use: 'refresh' }), 'RS256');
    await expectRefused(refresh, token, 'untrusted issuer');
  });

  it('refuses configurations that could not work', () => {
    const keys = new KeyRing({ signing: { pem: own.privatePem } });
    const make = (issuer: ExternalIssuer) => () =>
      new TokenVerifier({ keys, issuer: ISSUER, audience: AUDIENCE, external: [issuer] });
    const base = { issuer: IDP, audience: IDP_AUDIENCE };
    expect(make(base)).toThrow(`external issuer "${IDP}": give exactly one of jwksUrl and keys`);
    expect(make({ ...base, keys: [], jwksUrl: 'https://idp.example/jwks' })).toThrow(
      'give exactly one of jwksUrl and keys',
    );
    expect(make({ ...base, keys: [] })).toThrow(`external issuer "${IDP}": keys is empty`);
    expect(make({ ...base, issuer: ISSUER, keys: external.keys })).toThrow(
      `token verifier: issuer "${ISSUER}" is configured twice`,
    );
    expect(make({ ...base, keys: [{ pem: pems(generateKeyPairSync('ed25519')).publicPem }] })).toThrow(
      `external issuer "${IDP}" key 1 (inline PEM): unsupported key (ed25519)`,
    );
  });
});

/** A public key as an identity provider publishes it. */
const jwkOf = (publicPem: string, members: object) => ({
  ...createPublicKey(publicPem).export({ format: 'jwk' }),
  ...members,
});

describe('TokenVerifier with an external issuer configured by JWKS URL', () => {
  const idpRsa = rsa();
  const idpEc = ec();
  const idpEc521 = ec('P-521');
  let served: { status: number; body: object };
  let fetches: number;
  let server: Server;
  let jwksUrl: string;

  beforeAll(async () => {
    server = createServer((_request, response) => {
      fetches += 1;
      response.writeHead(served.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(served.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    fetches = 0;
    const keys = [
      jwkOf(idpRsa.publicPem, { kid: 'rsa-1', use: 'sig', alg: 'RS256' }),
      jwkOf(idpEc.publicPem, { kid: 'ec-1' }),
      jwkOf(idpEc521.publicPem, { kid: 'ec-521' }),
    ];
    served = { status: 200, body: { keys } };
  });

  // A new verifier for each test, so that no test sees keys another one fetched.
  const access = () => {
    const { verifier } = berth(ec(), { external: [{ issuer: IDP, audience: IDP_AUDIENCE, jwksUrl }] });
    return (token: string) => verifier.verifyAccessToken(token);
  };

  it('accepts tokens signed by keys of the set, fetching each key once', async () => {
    const verify = access();
    const rsaToken = signed(idpRsa.privatePem, 'rsa-1', idpClaims(), 'RS256');
    const ecToken = signed(idpEc.privatePem, 'ec-1', idpClaims({ sub: 'bob' }), 'ES256');
    await expect(verify(rsaToken)).resolves.toMatchObject({ subject: 'alice', issuer: IDP, access: ACCESS });
    await expect(verify(ecToken)).resolves.toMatchObject({ subject: 'bob', issuer: IDP });
    await verify(rsaToken);
    await verify(ecToken);
    expect(fetches).toBe(2);
  });

  it('refuses a kid the set does not have', async () => {
    await expectRefused(access(), signed(idpRsa.privatePem, 'rsa-2', idpClaims(), 'RS256'), 'unknown key id');
  });

  it('holds a key to the algorithm the set declares for it', async () => {
    const token = signed(idpRsa.privatePem, 'rsa-1', idpClaims(), 'RS512');
    await expectRefused(access(), token, 'signing algorithm does not match the key');
  });

  it('refuses keys of types Berth does not accept', async () => {
    const token = signed(idpEc521.privatePem, 'ec-521', idpClaims(), 'ES512');
    await expectRefused(access(), token, 'signing algorithm not allowed');
    const relabelled = forge({ alg: 'ES256', typ: 'JWT', kid: 'ec-521' }, idpClaims(), () => 'c2ln');
    await expectRefused(access(), relabelled, 'issuer key type not supported');
  });

  it('refuses tokens while the key set cannot be fetched', async () => {
    served = { status: 500, body: { error: 'down' } };
    await expectRefused(
      access(),
      signed(idpRsa.privatePem, 'rsa-1', idpClaims(), 'RS256'),
      'could not fetch the issuer keys',
    );
  });
});
