import { generateKeyPairSync } from 'node:crypto';
import { request as httpRequest } from 'node:http';

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

  call(method: string, path: string, body?: unknown): Promise<Response> {
    return this.send(method, path, body === undefined ? undefined : JSON.stringify(body));
  }

  /** Sends a body as given, so that tests can send what no well-behaved client would. */
  send(method: string, path: string, rawBody?: string): Promise<Response> {
    return fetch(new URL(`/admin/v1${path}`, this.baseUrl), {
      method,
      headers: {
        Authorization: basic(this.credentials.username, this.credentials.password),
        ...(rawBody !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      ...(rawBody !== undefined ? { body: rawBody } : {}),
    });
  }

  async expect(status: number, method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await this.call(method, path, body);
    const text = await res.text();
    if (res.status !== status)
      throw new Error(`${method} ${path}: ${res.status} ${text}, expected ${status}`);
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  }

  /** Expects an error of the status and API error code; returns the response for its headers. */
  async expectError(
    status: number,
    code: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Response> {
    const res = await this.call(method, path, body);
    const text = await res.clone().text();
    if (res.status !== status)
      throw new Error(`${method} ${path}: ${res.status} ${text}, expected ${status}`);
    expect(errorCodesIn(text)).toEqual([code]);
    return res;
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

/** Status of a token request with Basic credentials: 200 when they log in, 401 when refused. */
export async function loginStatus(
  baseUrl: string,
  credentials: { username: string; password: string },
): Promise<number> {
  const res = await fetchToken(baseUrl, [], credentials);
  await res.arrayBuffer();
  return res.status;
}

/** The API error codes of an error body; empty for anything else. */
function errorCodesIn(text: string): string[] {
  try {
    const body = JSON.parse(text) as { errors?: { code?: unknown }[] };
    return (body.errors ?? []).map((error) => String(error.code));
  } catch {
    return [];
  }
}

/**
 * A GET (or other bodiless) request sent from a chosen loopback address. Every address in
 * 127.0.0.0/8 reaches a server on 127.0.0.1, so one test process can stand in for clients that
 * the registry tells apart by address: each rate-limit or failed-login budget gets its own.
 */
export function requestFrom(
  localAddress: string,
  url: string,
  init: { method?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: init.method ?? 'GET', headers: init.headers, localAddress },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const headers = new Headers();
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
            headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
          }
          const body = Buffer.concat(chunks);
          resolve(new Response(body.length > 0 ? body : null, { status: res.statusCode ?? 0, headers }));
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

let lastLoopbackHost = 10;

/** A loopback address no earlier caller in this test file was given, for a fresh per-address budget. */
export function freshLoopbackAddress(): string {
  lastLoopbackHost += 1;
  if (lastLoopbackHost > 254) throw new Error('out of loopback addresses');
  return `127.0.0.${lastLoopbackHost}`;
}
