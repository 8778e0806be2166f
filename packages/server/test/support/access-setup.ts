import { generateKeyPairSync } from 'node:crypto';

export const ADMIN = { username: 'admin', password: 'admin-password-1' };
export const SERVICE = 'berth-test';
export const ISSUER = 'berth-test-issuer';

/** A fresh P-256 key pair as PEM. */
export function ecKeyPair(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privatePem: privateKey, publicPem: publicKey };
}

/** Configuration overrides turning auth on, with a known signing key and a first admin. */
export function authOverrides(signingPem: string, auth: Record<string, unknown> = {}) {
  return {
    auth: {
      enabled: true,
      service: SERVICE,
      issuer: ISSUER,
      signingKey: { pem: signingPem, kid: 'current' },
      initialAdmin: ADMIN,
      ...auth,
    },
  };
}

export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** The JSON claims of a JWT, read without verifying it. */
export function claimsOf(token: string): Record<string, unknown> {
  const payload = token.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Calls the admin API as a user, failing the test on an unexpected status. */
export class AdminClient {
  constructor(
    readonly baseUrl: string,
    readonly credentials = ADMIN,
  ) {}

  async call(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(new URL(`/admin/v1${path}`, this.baseUrl), {
      method,
      headers: {
        Authorization: basic(this.credentials.username, this.credentials.password),
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  }

  async expect(status: number, method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await this.call(method, path, body);
    const text = await res.text();
    if (res.status !== status)
      throw new Error(`${method} ${path}: ${res.status} ${text}, expected ${status}`);
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  }

  createUser(name: string, password: string, globalAdmin = false) {
    return this.expect(201, 'POST', '/users', { name, password, globalAdmin });
  }

  createNamespace(name: string, isPublic = false) {
    return this.expect(201, 'POST', '/namespaces', { name, public: isPublic });
  }

  setMember(namespace: string, user: string, role: string) {
    return this.expect(201, 'PUT', `/namespaces/${encodeURIComponent(namespace)}/members/${user}`, { role });
  }

  async createRobot(namespace: string, name: string, actions: string[], extra: Record<string, unknown> = {}) {
    const created = (await this.expect(201, 'POST', `/namespaces/${encodeURIComponent(namespace)}/robots`, {
      name,
      actions,
      ...extra,
    })) as { robot: { account: string }; secret: string };
    return { account: created.robot.account, secret: created.secret };
  }
}

/** Asks the token endpoint (GET) for scopes, with Basic credentials or none. */
export async function fetchToken(
  baseUrl: string,
  scopes: string[],
  credentials?: { username: string; password: string },
): Promise<Response> {
  const url = new URL('/auth/token', baseUrl);
  url.searchParams.set('service', SERVICE);
  for (const scope of scopes) url.searchParams.append('scope', scope);
  return fetch(
    url,
    credentials ? { headers: { Authorization: basic(credentials.username, credentials.password) } } : {},
  );
}

/** A token for the scopes, failing the test unless the endpoint issues one. */
export async function tokenFor(
  baseUrl: string,
  scopes: string[],
  credentials?: { username: string; password: string },
): Promise<string> {
  const res = await fetchToken(baseUrl, scopes, credentials);
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}
