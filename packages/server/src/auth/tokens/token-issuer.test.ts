import { decode, type JwtHeader, type JwtPayload } from 'jsonwebtoken';
import { generateSigningKey, KeyRing } from './key-ring';
import { TokenIssuer } from './token-issuer';

const keys = new KeyRing({ signing: { ...generateSigningKey(), kid: 'k1' } });
const issuer = new TokenIssuer({
  keys,
  issuer: 'berth',
  accessTokenTtlSeconds: 300,
  refreshTokenTtlSeconds: 86400,
});
const access = [{ type: 'repository', name: 'team/app', actions: ['pull', 'push'] }];

function decodeComplete(token: string): { header: JwtHeader; payload: JwtPayload } {
  const decoded = decode(token, { complete: true });
  if (decoded === null || typeof decoded.payload === 'string') throw new Error('not a JWT');
  return { header: decoded.header, payload: decoded.payload };
}

describe('TokenIssuer', () => {
  it('issues access tokens with the claims of the token spec', () => {
    const before = Math.floor(Date.now() / 1000);
    const { token, expiresIn, issuedAt } = issuer.issueAccessToken({
      subject: 'alice',
      audience: 'registry',
      access,
    });

    const { header, payload } = decodeComplete(token);
    expect(header).toEqual({ alg: 'ES256', typ: 'JWT', kid: 'k1' });
    expect(payload).toEqual({
      iss: 'berth',
      sub: 'alice',
      aud: 'registry',
      iat: expect.any(Number),
      nbf: expect.any(Number),
      exp: expect.any(Number),
      jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      token_use: 'access',
      access,
    });
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(payload.nbf).toBe(payload.iat);
    expect(payload.exp).toBe((payload.iat ?? 0) + 300);
    expect(expiresIn).toBe(300);
    expect(issuedAt).toEqual(new Date((payload.iat ?? 0) * 1000));
  });

  it('gives every token its own jti', () => {
    const request = { subject: 'alice', audience: 'registry', access };
    const first = decodeComplete(issuer.issueAccessToken(request).token).payload.jti;
    const second = decodeComplete(issuer.issueAccessToken(request).token).payload.jti;
    expect(first).not.toBe(second);
  });

  it('issues refresh tokens that carry no access and say what they are', () => {
    const { payload } = decodeComplete(issuer.issueRefreshToken({ subject: 'alice', audience: 'registry' }));
    expect(payload).toMatchObject({ iss: 'berth', sub: 'alice', aud: 'registry', token_use: 'refresh' });
    expect(payload.access).toBeUndefined();
    expect(payload.exp).toBe((payload.iat ?? 0) + 86400);
  });

  it('needs a key ring that can sign', () => {
    const verifyOnly = new KeyRing({});
    expect(
      () =>
        new TokenIssuer({
          keys: verifyOnly,
          issuer: 'berth',
          accessTokenTtlSeconds: 1,
          refreshTokenTtlSeconds: 1,
        }),
    ).toThrow('token issuer: the key ring has no signing key');
  });

  it.each([0, -5, 1.5, Number.NaN])('refuses a lifetime of %s', (ttl) => {
    expect(
      () =>
        new TokenIssuer({ keys, issuer: 'berth', accessTokenTtlSeconds: ttl, refreshTokenTtlSeconds: 60 }),
    ).toThrow('token issuer: accessTokenTtlSeconds must be a positive whole number');
    expect(
      () =>
        new TokenIssuer({ keys, issuer: 'berth', accessTokenTtlSeconds: 60, refreshTokenTtlSeconds: ttl }),
    ).toThrow('token issuer: refreshTokenTtlSeconds must be a positive whole number');
  });
});
