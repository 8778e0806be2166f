import { ANONYMOUS, AuthenticationError, type Authenticator, type Identity } from '@berth/core';
import { InvalidTokenError } from './tokens/invalid-token-error';
import type { TokenVerifier } from './tokens/token-verifier';

/** Credentials as presented, whatever the transport. */
export type PresentedCredentials =
  { scheme: 'basic'; account: string; secret: string } | { scheme: 'bearer'; token: string };

/** Turns presented credentials into an identity: a password or secret, or a bearer token. */
export class CallerIdentification {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly verifier: TokenVerifier,
  ) {}

  async identify(credentials: PresentedCredentials | undefined, source: string): Promise<Identity> {
    if (credentials === undefined) return ANONYMOUS;
    if (credentials.scheme === 'basic') {
      return this.authenticator.login(credentials.account, credentials.secret, source);
    }
    const verified = await rethrowInvalidToken(() => this.verifier.verifyAccessToken(credentials.token));
    return { kind: 'token', subject: verified.subject, issuer: verified.issuer, access: verified.access };
  }

  /** The subject of a valid refresh token. */
  verifyRefreshToken(token: string): Promise<{ subject: string }> {
    return rethrowInvalidToken(() => this.verifier.verifyRefreshToken(token));
  }
}

/** A token problem, as the API reports it: the reason is safe to show; the token never appears. */
async function rethrowInvalidToken<T>(verify: () => Promise<T>): Promise<T> {
  try {
    return await verify();
  } catch (error) {
    if (error instanceof InvalidTokenError) throw new AuthenticationError(`invalid token: ${error.reason}`);
    throw error;
  }
}
