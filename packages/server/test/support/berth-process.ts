import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ESCAPED_ERROR_MESSAGE } from '../../src/observability/escaped-errors';
import { CLI_MAIN } from './cli-build';

const READY_TIMEOUT_MS = 30_000;
const READY_POLL_MS = 50;
const KEPT_LOG_LINES = 5_000;
// Log lines that only a registry bug writes: a 500 (by the error handler and by the request log)
// and the process guard's line for an error no handler caught.
const BUG_MARKERS = ['"request failed"', '"statusCode":500', `"${ESCAPED_ERROR_MESSAGE}"`];

/** How a process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One pino log line of a process. */
export type LogEntry = Record<string, unknown> & { level?: number; msg?: string; pid?: number };

/** A free TCP port on 127.0.0.1, as the kernel hands them out; free when returned, not reserved. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port assigned');
  return address.port;
}

/**
 * `berth serve` as a child process on a fixed port of 127.0.0.1, so that it can be killed and
 * started again where clients expect it. Keeps the last lines it logged.
 */
export class BerthProcess {
  readonly url: string;
  private child: ChildProcess | undefined;
  private exit: Promise<ProcessExit> | undefined;
  private lines: string[] = [];
  private readonly failures: LogEntry[] = [];
  private admitted = false;
  // A test that fails before stopping must not leave processes holding ports after the run.
  private readonly killOnExit = (): void => {
    this.child?.kill('SIGKILL');
  };

  constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
    /** The working directory, which relative paths (the embedded default's ./data) start from. */
    private readonly cwd?: string,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  /** The operating-system process id; throws unless started. */
  get pid(): number {
    const pid = this.child?.pid;
    if (pid === undefined) throw new Error(`no process on port ${this.port}`);
    return pid;
  }

  /** True from start until the process is seen to exit. */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * True once /readyz answered 200 and until the process is signalled: where a load balancer sends
   * requests (it stops at once on a signal here, which a real one does after a failed probe or two).
   */
  get routable(): boolean {
    return this.admitted && this.running;
  }

  /** Spawns the process and waits until /readyz answers 200. */
  async start(): Promise<void> {
    if (this.running) throw new Error(`process on port ${this.port} already runs`);
    this.admitted = false;
    const child = spawn(process.execPath, [CLI_MAIN, 'serve'], {
      ...(this.cwd !== undefined ? { cwd: this.cwd } : {}),
      env: {
        ...inheritedEnv(),
        ...this.env,
        BERTH_HTTP_HOST: '127.0.0.1',
        BERTH_HTTP_PORT: String(this.port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exit = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    process.on('exit', this.killOnExit);
    void this.exit.then(() => process.removeListener('exit', this.killOnExit));
    for (const stream of [child.stdout, child.stderr]) {
      let partial = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (text: string) => {
        const parts = (partial + text).split('\n');
        partial = parts.pop() ?? '';
        this.keep(parts);
      });
    }
    await this.waitUntilReady();
  }

  /** Polls /readyz until it answers 200; fails at once if the process exits. */
  async waitUntilReady(timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`process on port ${this.port} exited:\n${this.tail()}`);
      if ((await this.readiness()) === 200) {
        this.admitted = true;
        return;
      }
      if (Date.now() > deadline) {
        throw new Error(`process on port ${this.port} not ready after ${timeoutMs} ms:\n${this.tail()}`);
      }
      await sleep(READY_POLL_MS);
    }
  }

  /** The status /readyz answers, or undefined when no connection could be made. */
  async readiness(): Promise<number | undefined> {
    try {
      const res = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(5_000) });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return undefined;
    }
  }

  /** Sends a signal; the process may still be running when this returns. */
  signal(signal: NodeJS.Signals): void {
    this.admitted = false;
    this.child?.kill(signal);
  }

  /** Resolves when the process has exited (at once if it already has). */
  exited(): Promise<ProcessExit> {
    if (!this.exit) throw new Error(`process on port ${this.port} never started`);
    return this.exit;
  }

  /** SIGKILL, then waits for the exit. */
  async kill(): Promise<ProcessExit> {
    this.signal('SIGKILL');
    return this.exited();
  }

  /** The JSON log lines among the last it printed. */
  logEntries(): LogEntry[] {
    return this.lines.flatMap((line) => {
      const entry = parseEntry(line);
      return entry ? [entry] : [];
    });
  }

  /**
   * Log lines of requests answered 500 INTERNAL_ERROR and of errors that escaped every handler,
   * each one a registry bug; all of them, however many lines came after.
   */
  internalErrors(): LogEntry[] {
    return [...this.failures];
  }

  /** The last lines, for error messages. */
  tail(count = 40): string {
    return this.lines.slice(-count).join('\n');
  }

  private keep(lines: string[]): void {
    for (const line of lines) {
      // The error handler logs 'request failed' for every 500, and pino-http the response itself.
      if (!BUG_MARKERS.some((marker) => line.includes(marker))) continue;
      const entry = parseEntry(line);
      if (entry) this.failures.push(entry);
    }
    this.lines.push(...lines.filter((line) => line !== ''));
    if (this.lines.length > KEPT_LOG_LINES) this.lines.splice(0, this.lines.length - KEPT_LOG_LINES);
  }
}

function parseEntry(line: string): LogEntry | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as LogEntry;
  } catch {
    return undefined;
  }
}

/** This process's environment without BERTH_* settings, which would leak into the processes under test. */
function inheritedEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('BERTH_')));
}
