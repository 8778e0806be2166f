import { randomBytes } from 'node:crypto';
import { sign } from 'jsonwebtoken';
import type { ResourceAccess } from '@berth/core';
import { TOKEN_USE_CLAIM, type TokenUse } from './claims';
import type { KeyRing, SigningKey } from './key-ring';

export interface TokenIssuerOptions {
  keys: KeyRing;
  /** The `iss` claim; verifiers pick their keys by it. */
  issuer: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
}

export interface AccessTokenRequest {
  /** The account name, or `''` for an anonymous caller (as the token spec has it). */
  subject: string;
  /** The registry service the token is for. */
  audience: string;
  access: ResourceAccess[];
}

export interface IssuedAccessToken {
  token: string;
  expiresIn: number;
  issuedAt: Date;
}

/** Signs Berth's access and refresh tokens with the key ring's signing key. */
export class TokenIssuer {
  private readonly signingKey: SigningKey;

  constructor(private readonly options: TokenIssuerOptions) {
    if (options.keys.signingKey === undefined) {
      throw new Error('token issuer: the key ring has no signing key');
    }
    this.signingKey = options.keys.signingKey;
    for (const ttl of ['accessTokenTtlSeconds', 'refreshTokenTtlSeconds'] as const) {
      if (!Number.isInteger(options[ttl]) || options[ttl] <= 0) {
        throw new Error(`token issuer: ${ttl} must be a positive whole number`);
      }
    }
  }

  issueAccessToken({ subject, audience, access }: AccessTokenRequest): IssuedAccessToken {
    const expiresIn = this.options.accessTokenTtlSeconds;
    const { token, issuedAt } = this.sign('access', subject, audience, expiresIn, { access });
    return { token, expiresIn, issuedAt };
  }

  /** A token the token endpoint trades for new access tokens; it grants no access itself. */
  issueRefreshToken({ subject, audience }: Omit<AccessTokenRequest, 'access'>): string {
    return this.sign('refresh', subject, audience, this.options.refreshTokenTtlSeconds, {}).token;
  }

  private sign(
    use: TokenUse,
    subject: string,
    audience: string,
    ttlSeconds: number,
    claims: Record<string, unknown>,
  ): { token: string; issuedAt: Date } {
    // Whole seconds, so that `issuedAt` is exactly the `iat` the token carries.
    const now = Math.floor(Date.now() / 1000);
    const payload = {
      ...claims,
      [TOKEN_USE_CLAIM]: use,
      iss: this.options.issuer,
      sub: subject,
      aud: audience,
      iat: now,
      nbf: now,
      exp: now + ttlSeconds,
      jti: randomBytes(16).toString('base64url'),
    };
    const { key, algorithm, kid } = this.signingKey;
    const token = sign(payload, key, { algorithm, keyid: kid });
    return { token, issuedAt: new Date(now * 1000) };
  }
}
