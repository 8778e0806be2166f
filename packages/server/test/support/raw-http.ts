import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseResponse, type RawResponse } from './raw-request';

/** How a raw exchange ended: the bytes the server sent before the connection closed, and when. */
export interface RawOutcome {
  /** The first response, as far as it came, or undefined when no whole head came. */
  response: RawResponse | undefined;
  /** Its status, or undefined when none came. */
  status: number | undefined;
  /** Milliseconds from the connection's opening to its close. */
  elapsedMs: number;
}

/**
 * A connection that sends exactly the bytes a test writes, for requests no HTTP client would
 * send: bodies cut short, connections reset mid-request, broken chunked framing, headers
 * dribbled byte by byte.
 */
export class RawConnection {
  private readonly socket: Socket;
  private readonly opened = performance.now();
  private received = Buffer.alloc(0);
  private readonly closed: Promise<number>;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (data: Buffer) => (this.received = Buffer.concat([this.received, data])));
    // A reset by the server (or by this side) is an outcome to look at, not a failure here.
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve(performance.now())));
  }

  /** Opens a connection to the host and port of `url`. */
  static async open(url: string): Promise<RawConnection> {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawConnection(socket);
  }

  /** Writes bytes; resolves once they are handed to the kernel, false if the connection is gone. */
  write(bytes: string | Buffer): Promise<boolean> {
    if (this.socket.destroyed) return Promise.resolve(false);
    return new Promise((resolve) => this.socket.write(bytes, (error) => resolve(!error)));
  }

  /** Writes `text` one byte at a time, `pauseMs` apart, until done or the server closes. */
  async dribble(text: string, pauseMs: number): Promise<void> {
    for (const byte of text) {
      if (!(await this.write(byte))) return;
      await sleep(pauseMs);
    }
  }

  /** Resets the connection (TCP RST), as a client that crashes or a middlebox that gives up. */
  reset(): void {
    this.socket.resetAndDestroy();
  }

  /** Ends the sending side and waits for the server to close; throws after `timeoutMs`. */
  async finish(timeoutMs = 10_000): Promise<RawOutcome> {
    this.socket.end();
    return this.outcome(timeoutMs);
  }

  /** Waits for the server to close the connection; throws after `timeoutMs`. */
  async outcome(timeoutMs = 10_000): Promise<RawOutcome> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.socket.destroy();
        reject(new Error(`the server kept the connection open for ${timeoutMs} ms`));
      }, timeoutMs);
    });
    const closedAt = await Promise.race([this.closed, expired]).finally(() => clearTimeout(timer));
    const response = parseResponse(this.received, true);
    return { response, status: response?.status, elapsedMs: closedAt - this.opened };
  }
}

/** The head of an HTTP/1.1 request with the given headers, ready to be followed by its body. */
export function requestHead(method: string, path: string, headers: Record<string, string | number>): string {
  const lines = Object.entries({ Host: 'registry', ...headers }).map(([name, value]) => `${name}: ${value}`);
  return `${method} ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}
