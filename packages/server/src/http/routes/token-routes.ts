import express, { type Request, type Response, type Router } from 'express';
import { AuthenticationError, formatScope, parseScopes } from '@berth/core';
import type { CallerIdentification } from '../../auth/caller-identification';
import type { TokenGrant, TokenService } from '../../auth/token-service';
import { TOKEN_PATH } from '../access/challenge';
import { credentialsOf } from '../access/credentials';

export interface TokenRouteDependencies {
  tokens: TokenService;
  identification: CallerIdentification;
  /** The public keys tokens are signed with, as a JWKS document. */
  jwks: () => object;
}

const FORM_LIMIT = '16kb';

function asStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function sourceOf(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? '';
}

/**
 * The token endpoint of Docker token authentication: GET with Basic credentials (or none, for
 * anonymous access), and the OAuth2 POST form (password and refresh_token grants) that
 * containerd and docker prefer.
 */
export function createTokenRoutes({ tokens, identification, jwks }: TokenRouteDependencies): Router {
  const router = express.Router();
  const checkService = (service: unknown) => {
    if (service !== undefined && service !== tokens.service) {
      throw new AuthenticationError(`tokens are issued only for service "${tokens.service}"`);
    }
  };

  router.get(TOKEN_PATH, async (req, res) => {
    checkService(req.query.service);
    const credentials = credentialsOf(req);
    if (credentials?.scheme === 'bearer')
      throw new AuthenticationError('log in with a username and password');
    const identity = await identification.identify(credentials, sourceOf(req));
    if (identity.kind === 'token') throw new AuthenticationError('log in with a username and password');
    const offline = req.query.offline_token === 'true';
    const grant = await tokens.grant(identity, parseScopes(asStrings(req.query.scope)), offline);
    send(res, { token: grant.token, ...body(grant) });
  });

  router.post(TOKEN_PATH, express.urlencoded({ extended: false, limit: FORM_LIMIT }), async (req, res) => {
    const form = (req.body ?? {}) as Record<string, unknown>;
    checkService(form.service);
    const scopes = parseScopes(asStrings(form.scope));
    let grant: TokenGrant;
    if (form.grant_type === 'password') {
      const [account, secret] = [form.username, form.password];
      if (typeof account !== 'string' || typeof secret !== 'string') {
        throw new AuthenticationError('username and password are required');
      }
      const identity = await identification.identify({ scheme: 'basic', account, secret }, sourceOf(req));
      if (identity.kind === 'token') throw new AuthenticationError('log in with a username and password');
      grant = await tokens.grant(identity, scopes, form.access_type === 'offline');
    } else if (form.grant_type === 'refresh_token' && typeof form.refresh_token === 'string') {
      grant = await tokens.refresh(form.refresh_token, scopes);
    } else {
      throw new AuthenticationError('grant_type must be password or refresh_token');
    }
    send(res, { token: grant.token, ...body(grant), scope: grant.access.map(formatScope).join(' ') });
  });

  router.get('/auth/jwks', (_req, res) => {
    res.json(jwks());
  });
  return router;
}

function body(grant: TokenGrant) {
  return {
    access_token: grant.token,
    expires_in: grant.expiresIn,
    issued_at: grant.issuedAt.toISOString(),
    ...(grant.refreshToken !== undefined ? { refresh_token: grant.refreshToken } : {}),
  };
}

function send(res: Response, payload: object): void {
  // Tokens are credentials: no cache may keep them.
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  res.json(payload);
}
