import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'undici';

/** A process the benchmark started, with the tail of its output kept for error messages. */
export interface Child {
  readonly pid: number;
  readonly process: ChildProcess;
  output(): string;
  /** True once it has exited. */
  exited(): boolean;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const OUTPUT_TAIL = 16_384;
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills every child still running when this process exits, so none outlives a failed run. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

export function startChild(command: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): Child {
  installExitHook();
  const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  running.add(child);
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const hasExited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  child.once('exit', () => running.delete(child));
  return {
    pid: child.pid,
    process: child,
    output: () => output,
    exited: hasExited,
    async stop(graceMs = 10_000) {
      if (hasExited()) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Waits until `url` answers `status` (polling), failing early if the child exits. */
export async function waitForHttp(
  child: Child,
  url: string,
  name: string,
  status = 200,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exited()) throw new Error(`${name} exited while starting:\n${child.output()}`);
    try {
      const response = await request(url, { method: 'GET', headersTimeout: 2_000, bodyTimeout: 2_000 });
      await response.body.dump();
      if (response.statusCode === status) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${name} not ready after ${timeoutMs} ms:\n${child.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The environment of this process without variables whose names match `drop`. */
export function cleanEnv(drop: RegExp): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !drop.test(name)));
}
