import type { KeyObject } from 'node:crypto';
import {
  decode,
  JsonWebTokenError,
  NotBeforeError,
  TokenExpiredError,
  verify,
  type JwtPayload,
  type VerifyOptions,
} from 'jsonwebtoken';
import type { ResourceAccess } from '@berth/core';
import { isVerificationAlgorithm } from './algorithms';
import { parseAccessClaim, TOKEN_USE_CLAIM, type TokenUse } from './claims';
import { externalKeyLookup, type ExternalIssuer } from './external-issuer';
import { InvalidTokenError } from './invalid-token-error';
import type { KeyRing } from './key-ring';
import type { KeyLookup } from './verification-keys';

export type { ExternalIssuer } from './external-issuer';

export interface TokenVerifierOptions {
  /** Berth's own keys. */
  keys: KeyRing;
  /** Berth's own `iss`, as its token issuer writes it. */
  issuer: string;
  /** This registry's service name, required in the `aud` of Berth's own tokens. */
  audience: string;
  external?: ExternalIssuer[];
  /** Leeway for clock differences between issuer and registry when checking `exp` and `nbf`. */
  clockToleranceSeconds?: number;
}

export interface VerifiedAccessToken {
  /** `''` for an anonymous caller. */
  subject: string;
  issuer: string;
  access: ResourceAccess[];
  expiresAt: Date;
}

interface TrustedIssuer {
  issuer: string;
  audience: string;
  own: boolean;
  lookup: KeyLookup;
}

interface VerifiedClaims {
  sub: string;
  exp: number;
  access?: unknown;
}

const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;

/** Checks bearer tokens from Berth itself or from configured external issuers. */
export class TokenVerifier {
  private readonly issuers = new Map<string, TrustedIssuer>();
  private readonly clockTolerance: number;

  constructor({
    keys,
    issuer,
    audience,
    external = [],
    clockToleranceSeconds = DEFAULT_CLOCK_TOLERANCE_SECONDS,
  }: TokenVerifierOptions) {
    this.clockTolerance = clockToleranceSeconds;
    this.issuers.set(issuer, {
      issuer,
      audience,
      own: true,
      lookup: async (kid) => keys.verificationKey(kid),
    });
    for (const trusted of external) {
      if (this.issuers.has(trusted.issuer)) {
        throw new Error(`token verifier: issuer "${trusted.issuer}" is configured twice`);
      }
      const lookup = externalKeyLookup(trusted);
      this.issuers.set(trusted.issuer, {
        issuer: trusted.issuer,
        audience: trusted.audience,
        own: false,
        lookup,
      });
    }
  }

  /** Throws InvalidTokenError unless the token is a valid access token from a trusted issuer. */
  async verifyAccessToken(token: string): Promise<VerifiedAccessToken> {
    const { claims, issuer } = await this.verify(token, 'access');
    return {
      subject: claims.sub,
      issuer: issuer.issuer,
      access: parseAccessClaim(claims.access),
      expiresAt: new Date(claims.exp * 1000),
    };
  }

  /** Throws InvalidTokenError unless the token is a valid refresh token that Berth itself issued. */
  async verifyRefreshToken(token: string): Promise<{ subject: string }> {
    const { claims } = await this.verify(token, 'refresh');
    return { subject: claims.sub };
  }

  private async verify(
    token: string,
    use: TokenUse,
  ): Promise<{ claims: VerifiedClaims; issuer: TrustedIssuer }> {
    const decoded = decode(token, { complete: true });
    if (decoded === null || typeof decoded.payload === 'string') {
      throw new InvalidTokenError('malformed token');
    }
    const { header, payload } = decoded;
    // Checked before any key lookup, so `none` or HMAC tokens never make Berth fetch keys.
    if (!isVerificationAlgorithm(header.alg)) throw new InvalidTokenError('signing algorithm not allowed');
    if (typeof header.kid !== 'string' || header.kid === '') {
      throw new InvalidTokenError('token names no key id');
    }

    // The unverified `iss` only chooses the keys; `verify` below then insists on it.
    const issuer = this.issuerOf(payload.iss, use);
    if (issuer === undefined) throw new InvalidTokenError('untrusted issuer');
    const key = await issuer.lookup(header.kid);
    if (key === undefined) throw new InvalidTokenError('unknown key id');
    if (!key.algorithms.includes(header.alg)) {
      throw new InvalidTokenError('signing algorithm does not match the key');
    }

    const verified = checkSignature(token, key.key, {
      algorithms: [header.alg],
      issuer: issuer.issuer,
      audience: issuer.audience,
      clockTolerance: this.clockTolerance,
    });
    return { claims: checkClaims(verified, use, issuer.own), issuer };
  }

  private issuerOf(iss: unknown, use: TokenUse): TrustedIssuer | undefined {
    const issuer = typeof iss === 'string' ? this.issuers.get(iss) : undefined;
    // Refresh tokens are only ever Berth's own: an identity provider's are for its own token endpoint.
    return use === 'refresh' && !issuer?.own ? undefined : issuer;
  }
}

/** Signature, `exp`, `nbf`, `iss` and `aud`, with failures turned into InvalidTokenError. */
function checkSignature(token: string, key: KeyObject, options: VerifyOptions): JwtPayload | string {
  try {
    return verify(token, key, options);
  } catch (error) {
    if (error instanceof TokenExpiredError) throw new InvalidTokenError('token has expired');
    if (error instanceof NotBeforeError) throw new InvalidTokenError('token is not yet valid');
    // jsonwebtoken's messages are fixed text plus the expected issuer or audience, never token content.
    if (error instanceof JsonWebTokenError) throw new InvalidTokenError(error.message);
    // e.g. an ECDSA signature of the wrong length, which the crypto layer rejects by throwing.
    throw new InvalidTokenError('invalid signature');
  }
}

function checkClaims(payload: JwtPayload | string, use: TokenUse, own: boolean): VerifiedClaims {
  if (typeof payload === 'string') throw new InvalidTokenError('malformed token');
  const tokenUse: unknown = payload[TOKEN_USE_CLAIM];
  // Berth's tokens always say what they are for; other issuers' need not, but must not claim another use.
  if (own ? tokenUse !== use : tokenUse !== undefined && tokenUse !== use) {
    throw new InvalidTokenError(`wrong token type: ${use} token required`);
  }
  // A token without an expiry would be valid forever; the spec's tokens are short-lived.
  if (typeof payload.exp !== 'number') throw new InvalidTokenError('token has no expiry');
  if (typeof payload.sub !== 'string') throw new InvalidTokenError('token has no subject');
  return { sub: payload.sub, exp: payload.exp, access: payload.access };
}
