import { connect } from 'node:net';

/** A response as read off the socket. */
export interface RawResponse {
  status: number;
  /** Header values by lower-case name. */
  headers: Record<string, string>;
  body: string;
}

const HEAD_END = '\r\n\r\n';

/**
 * Sends a request exactly as written, on a connection of its own, for what fetch refuses to send:
 * a Content-Length the body does not match, a chunked body with any header. `lines` are the request
 * line and the headers. Resolves once the response is complete, whether or not the server read the
 * whole body, and rejects when none comes within `timeoutMs`.
 */
export function sendRaw(
  baseUrl: string,
  lines: string[],
  body: string | Buffer = '',
  timeoutMs = 10_000,
): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = Buffer.alloc(0);
    const finish = (outcome: RawResponse | Error) => {
      socket.destroy();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    socket.setTimeout(timeoutMs, () => finish(new Error(`no complete response in ${timeoutMs} ms`)));
    // The server may answer and close before the body is all written.
    socket.on('error', () => undefined);
    socket.on('data', (data: Buffer) => {
      received = Buffer.concat([received, data]);
      const response = parseResponse(received);
      if (response) finish(response);
    });
    socket.on('close', () => finish(parseResponse(received, true) ?? new Error('connection closed early')));
    socket.write(`${lines.join('\r\n')}${HEAD_END}`);
    socket.write(body);
  });
}

/** The response once its head and as much body as it declares are in; at `closed`, whatever came. */
export function parseResponse(bytes: Buffer, closed = false): RawResponse | undefined {
  const headEnd = bytes.indexOf(HEAD_END);
  if (headEnd === -1) return undefined;
  const [statusLine = '', ...headerLines] = bytes.subarray(0, headEnd).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = bytes.subarray(headEnd + HEAD_END.length);
  const declared = headers['content-length'];
  if (!closed && (declared === undefined || body.length < Number(declared))) return undefined;
  return { status: Number(statusLine.split(' ')[1]), headers, body: body.toString('utf8') };
}
