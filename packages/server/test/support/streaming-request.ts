import { Agent, request, type ClientRequest, type IncomingHttpHeaders } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/** A response read to its end. */
export interface CompleteResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A request whose body the test sends piece by piece, on a connection of its own, so it can be
 * in flight at a chosen moment (while a process is killed, stopped or loses a backend).
 */
export class StreamingRequest {
  /** The response, or the connection error that ended the request instead. */
  readonly response: Promise<CompleteResponse>;
  private readonly req: ClientRequest;
  private readonly agent: Agent | undefined;

  /**
   * `keepAlive` keeps the connection open after the response, as registry clients do; otherwise the
   * request asks for it to be closed.
   */
  constructor(
    url: string,
    options: { method: string; headers: Record<string, string | number>; keepAlive?: boolean },
  ) {
    this.agent = options.keepAlive ? new Agent({ keepAlive: true, maxSockets: 1 }) : undefined;
    this.req = request(url, { method: options.method, headers: options.headers, agent: this.agent ?? false });
    this.response = new Promise((resolve, reject) => {
      this.req.once('error', reject);
      this.req.once('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (text: string) => (body += text));
        res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.once('error', reject);
      });
    });
    // Observed by whoever awaits it; an early failure must not count as unhandled meanwhile.
    this.response.catch(() => undefined);
  }

  /** Writes part of the body, resolving once it is handed to the socket. */
  write(bytes: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.req.write(bytes, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Writes the body in `pieces` parts with a pause after each. */
  async trickle(bytes: Buffer, { pieces, pauseMs }: { pieces: number; pauseMs: number }): Promise<void> {
    const size = Math.ceil(bytes.length / pieces);
    for (let start = 0; start < bytes.length; start += size) {
      await this.write(bytes.subarray(start, start + size));
      await sleep(pauseMs);
    }
  }

  /** Finishes the body. */
  end(): void {
    this.req.end();
  }

  /** Drops the connection, as a client that goes away (or one done with a kept-alive connection). */
  abort(): void {
    this.req.destroy();
    this.agent?.destroy();
  }
}
