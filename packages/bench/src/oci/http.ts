import type { Readable } from 'node:stream';
import { Agent, Client, request, type Dispatcher } from 'undici';

export type Headers = Record<string, string>;

/** An answer with its body read, for the small requests of the protocol. */
export interface SmallResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A request that got an unexpected status. */
export class UnexpectedStatusError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${method} ${shortPath(url)} answered ${status}: ${body.slice(0, 400).trim()}`);
  }
}

/** A URL's path without its query (upload state) and with session ids folded, for messages. */
function shortPath(url: string): string {
  const { pathname } = new URL(url);
  return pathname.replace(
    /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[A-Za-z0-9_-]{20,}$/g,
    '<id>',
  );
}

/** One HTTP connection pool per registry, keep-alive, no pipelining: what a registry client does. */
const CONNECTION_OPTIONS = {
  keepAliveTimeout: 30_000,
  pipelining: 1,
  headersTimeout: 600_000,
  bodyTimeout: 600_000,
};

export function createAgent(): Agent {
  return new Agent(CONNECTION_OPTIONS);
}

/** One keep-alive connection to `origin`, for requests that must follow each other on it. */
export function createConnection(origin: string): Client {
  return new Client(origin, CONNECTION_OPTIONS);
}

export interface SendOptions {
  method: Dispatcher.HttpMethod;
  headers?: Headers;
  body?: Buffer | string | Readable;
  /** Statuses that count as success; anything else throws UnexpectedStatusError. */
  expect: readonly number[];
}

/** Sends a request and reads its whole (small) answer. */
export async function send(
  agent: Dispatcher,
  url: string | URL,
  options: SendOptions,
): Promise<SmallResponse> {
  const response = await request(url, {
    dispatcher: agent,
    method: options.method,
    ...(options.headers !== undefined ? { headers: options.headers } : {}),
    ...(options.body !== undefined ? { body: options.body } : {}),
    // undici closes the connection after every HEAD unless told the server is well-behaved.
    reset: false,
  });
  const body = Buffer.from(await response.body.arrayBuffer());
  if (!options.expect.includes(response.statusCode)) {
    throw new UnexpectedStatusError(options.method, String(url), response.statusCode, body.toString('utf8'));
  }
  return { status: response.statusCode, headers: response.headers, body };
}

/** A single-valued header. */
export function header(response: { headers: SmallResponse['headers'] }, name: string): string | undefined {
  const value = response.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** A header that must be there. */
export function requiredHeader(response: { headers: SmallResponse['headers'] }, name: string): string {
  const value = header(response, name);
  if (value === undefined) throw new Error(`answer lacks the ${name} header`);
  return value;
}
