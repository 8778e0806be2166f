import type { Coordinator } from '@berth/coordinator';
import type { AccessStore } from '@berth/metadata-store';
import type { Logger } from 'pino';
import {
  AccessPolicy,
  Authenticator,
  NamespaceResolver,
  type AccessAdministration,
  type CacheObserver,
} from '@berth/core';
import type { Config, RequestClass } from '../config/schema';
import type { ChallengeSettings } from '../http/access/challenge';
import { CallerIdentification } from './caller-identification';
import { bucketOf, RateLimiter } from './rate-limiter';
import { TokenService } from './token-service';
import { generateSigningKey, KeyRing, type Jwks } from './tokens/key-ring';
import { TokenIssuer } from './tokens/token-issuer';
import { TokenVerifier } from './tokens/token-verifier';

/** Everything that decides who may do what; absent parts are switched off. */
export interface AccessServices {
  namespaces: NamespaceResolver;
  rateLimiter?: RateLimiter;
  auth?: {
    identification: CallerIdentification;
    policy: AccessPolicy;
    tokens: TokenService;
    administration: AccessAdministration;
    challenge: ChallengeSettings;
    jwks: () => Jwks;
  };
}

/** Told of access decisions, for metrics. */
export interface AccessObserver {
  rateLimitRejected(requestClass: RequestClass): void;
  loginFailed(): void;
  verifiedCredentialsCache: CacheObserver;
}

/** Builds authentication, authorization and rate limiting as configured. */
export function createAccessServices(
  config: Config,
  deps: { access: AccessStore; coordinator: Coordinator; administration: AccessAdministration },
  logger: Logger,
  observer?: AccessObserver,
): AccessServices {
  const { auth, rateLimits } = config;
  const namespaces = new NamespaceResolver(auth.namespacePrefixes);
  const rateLimiter = rateLimits.enabled
    ? new RateLimiter({
        coordinator: deps.coordinator,
        defaults: rateLimits.defaults,
        overrides: rateLimits.overrides,
        ...(observer ? { onRejected: observer.rateLimitRejected } : {}),
      })
    : undefined;
  if (!auth.enabled) return { namespaces, ...(rateLimiter ? { rateLimiter } : {}) };

  if (auth.signingKey === undefined) {
    logger.warn(
      'auth.signingKey is not set: tokens are signed with a key generated at start and die with this process',
    );
  }
  const keys = new KeyRing({
    signing: auth.signingKey ?? generateSigningKey(),
    verification: auth.verificationKeys,
  });
  const issuer = new TokenIssuer({
    keys,
    issuer: auth.issuer,
    accessTokenTtlSeconds: auth.tokenTtlSeconds,
    refreshTokenTtlSeconds: auth.refreshTokenTtlSeconds,
  });
  const verifier = new TokenVerifier({
    keys,
    issuer: auth.issuer,
    audience: auth.service,
    external: auth.externalIssuers,
  });
  const authenticator = new Authenticator({
    access: deps.access,
    coordinator: deps.coordinator,
    failedLogins: bucketOf(auth.failedLogins),
    // The account name is logged to trace guessing; the password never is.
    onFailedLogin: (event) => {
      logger.warn(event, 'login refused');
      observer?.loginFailed();
    },
    ...(observer ? { onVerifiedCacheLookup: observer.verifiedCredentialsCache } : {}),
  });
  const identification = new CallerIdentification(authenticator, verifier);
  const policy = new AccessPolicy(deps.access, namespaces);
  return {
    namespaces,
    ...(rateLimiter ? { rateLimiter } : {}),
    auth: {
      identification,
      policy,
      tokens: new TokenService({ issuer, identification, policy, service: auth.service }),
      administration: deps.administration,
      challenge: {
        service: auth.service,
        ...(auth.realm !== undefined ? { realm: auth.realm } : {}),
        ...(config.http.publicUrl !== undefined
          ? { publicUrl: config.http.publicUrl.replace(/\/$/, '') }
          : {}),
      },
      jwks: () => keys.jwks(),
    },
  };
}
