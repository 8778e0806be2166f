import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';

const REDIS_SERVER_BINARY = '/usr/bin/redis-server';
const START_TIMEOUT_MS = 10_000;
const READY_LINE = 'Ready to accept connections';

/** URL of the shared Redis that integration tests use (BERTH_TEST_REDIS_URL). */
export function redisTestUrl(): string {
  return process.env.BERTH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** A key prefix no other test run uses, so tests can share one Redis and check what they leave behind. */
export function uniqueKeyPrefix(label: string): string {
  // Only characters that are literal in SCAN/KEYS glob patterns, so the prefix can be matched as is.
  const safeLabel = label.toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  return `berth-test:${safeLabel}:${process.pid}-${randomBytes(4).toString('hex')}:`;
}

/** A dedicated redis-server child process. */
export interface RedisServer {
  readonly url: string;
  /** Shuts the server down; idempotent. Its data is lost (nothing is persisted). */
  stop(): Promise<void>;
  /** Stops the server if it runs, then starts an empty one on the same port. */
  restart(): Promise<void>;
}

/** Starts a throwaway redis-server on `port`, without persistence, resolving once it accepts connections. */
export async function startRedisServer({ port }: { port: number }): Promise<RedisServer> {
  let child: ChildProcess | undefined;
  // A test that fails before stop() must not leave a server holding the port after the run.
  const killOnExit = (): void => {
    child?.kill('SIGKILL');
  };
  const start = async (): Promise<void> => {
    child = await spawnRedisServer(port);
    process.on('exit', killOnExit);
  };
  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    running.kill('SIGTERM');
    await exited;
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    stop,
    async restart() {
      await stop();
      await start();
    },
  };
}

async function spawnRedisServer(port: number): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawn(REDIS_SERVER_BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-4_096);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  // Waiting for the log line rather than for an open port: the port may still be held by
  // another process, in which case this server fails to bind and exits.
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`redis-server on port ${port} not ready after ${START_TIMEOUT_MS} ms`)),
        START_TIMEOUT_MS,
      );
      child.stdout?.on('data', () => {
        if (output.includes(READY_LINE)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`redis-server on port ${port} exited (${code ?? signal}):\n${output}`));
      });
    });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return child;
}
