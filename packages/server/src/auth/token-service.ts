import {
  accountOf,
  AuthenticationError,
  type AccessPolicy,
  type Identity,
  type ResourceAccess,
} from '@berth/core';
import type { TokenIssuer } from './tokens/token-issuer';
import type { CallerIdentification } from './caller-identification';

/** A token response, before the HTTP layer shapes it for the client's dialect. */
export interface TokenGrant {
  token: string;
  expiresIn: number;
  issuedAt: Date;
  access: ResourceAccess[];
  refreshToken?: string;
}

export interface TokenServiceOptions {
  issuer: TokenIssuer;
  identification: CallerIdentification;
  policy: AccessPolicy;
  /** This registry's service name: the audience of every token it issues. */
  service: string;
}

/** The token endpoint's logic: access tokens for proven identities, and refreshes of them. */
export class TokenService {
  readonly #options: TokenServiceOptions;

  constructor(options: TokenServiceOptions) {
    this.#options = options;
  }

  get service(): string {
    return this.#options.service;
  }

  /**
   * A token holding what the identity may have of the requested scopes; scopes it may not
   * have are left out rather than refused, as clients expect. `offline` adds a refresh token.
   */
  async grant(
    identity: Exclude<Identity, { kind: 'token' }>,
    scopes: ResourceAccess[],
    offline: boolean,
  ): Promise<TokenGrant> {
    const { issuer, policy, service } = this.#options;
    const access = await policy.grant(identity, scopes);
    const subject = accountOf(identity) ?? '';
    const issued = issuer.issueAccessToken({ subject, audience: service, access });
    const refreshToken =
      offline && subject !== '' ? issuer.issueRefreshToken({ subject, audience: service }) : undefined;
    return { ...issued, access, ...(refreshToken !== undefined ? { refreshToken } : {}) };
  }

  /**
   * A new access token for the account a refresh token names, decided afresh: a removed user
   * or a revoked robot gets nothing.
   */
  async refresh(refreshToken: string, scopes: ResourceAccess[]): Promise<TokenGrant> {
    const { subject } = await this.#options.identification.verifyRefreshToken(refreshToken);
    const account = await this.#options.policy.accountOfSubject(subject);
    if (account.kind === 'anonymous')
      throw new AuthenticationError('the account of this refresh token no longer exists');
    return { ...(await this.grant(account, scopes, false)), refreshToken };
  }
}
