import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ESCAPED_ERROR_MESSAGE } from '../../src/observability/escaped-errors';
import { freePort, type LogEntry } from '../support/berth-process';
import { CLI_MAIN, ensureCliBuilt } from '../support/cli-build';
import { startClusterBackends, type ClusterBackends } from '../support/cluster-backends';

const EXIT_WITHIN_MS = 10_000;
const FATAL = 60;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

/** Runs node with `args` and the given settings until it exits; fails if it outlives `EXIT_WITHIN_MS`. */
function runNode(args: string[], env: Record<string, string>): Promise<Run> {
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running after ${EXIT_WITHIN_MS} ms:\n${stdout}\n${stderr}`));
    }, EXIT_WITHIN_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr, elapsedMs: performance.now() - started });
    });
  });
}

const entriesOf = (stdout: string): LogEntry[] =>
  stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogEntry);

async function occupy(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
  return server;
}

describe('a process that cannot listen', () => {
  let backends: ClusterBackends;
  let dataDir: string;
  beforeAll(async () => {
    ensureCliBuilt();
    backends = await startClusterBackends();
    dataDir = await mkdtemp(join(tmpdir(), 'berth-start-'));
  }, 300_000);
  afterAll(async () => {
    await backends.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const flavors: [string, () => Record<string, string>][] = [
    [
      'the embedded default',
      () => ({
        BERTH_BLOBS_FILESYSTEM_ROOT: join(dataDir, 'blobs'),
        BERTH_METADATA_PGLITE_DATA_DIR: join(dataDir, 'metadata'),
      }),
    ],
    ['production backends', () => backends.env],
    ['production backends with two workers', () => ({ ...backends.env, BERTH_HTTP_WORKERS: '2' })],
  ];

  it.each(flavors)('exits non-zero at once on %s, saying why in one line', async (_flavor, settings) => {
    const port = await freePort();
    const taken = await occupy(port);
    try {
      const run = await runNode([CLI_MAIN, 'serve'], {
        ...settings(),
        BERTH_HTTP_HOST: '127.0.0.1',
        BERTH_HTTP_PORT: String(port),
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toBe('');
      // Each worker that got as far as listening says why it stopped; with one process, that is one line.
      const fatal = entriesOf(run.stdout).filter((entry) => entry.level === FATAL);
      expect(fatal.length).toBeGreaterThanOrEqual(1);
      for (const entry of fatal) {
        expect(entry.msg).toContain(
          `cannot listen on 127.0.0.1:${port} (http.host, http.port): the port is already in use`,
        );
      }
      if (!('BERTH_HTTP_WORKERS' in settings())) expect(fatal).toHaveLength(1);
      expect(run.stdout).not.toContain('registry listening');
    } finally {
      taken.close();
    }
  });
});

describe('the process guard', () => {
  const built = (file: string) => resolve(__dirname, '../../dist', file);
  beforeAll(() => ensureCliBuilt(), 300_000);

  it('logs and counts an error no handler caught, and the process goes on', async () => {
    // A process that installs the guard, then lets a throw and a rejection escape.
    const script = `
      const { createLogger, guardProcess } = require(${JSON.stringify(built('index.js'))});
      const { registerEscapedErrors } = require(${JSON.stringify(built('observability/escaped-errors.js'))});
      const { Registry } = require('prom-client');
      guardProcess(createLogger({ log: { level: 'info' } }));
      setImmediate(() => { throw new Error('thrown on purpose'); });
      void Promise.reject(new Error('rejected on purpose'));
      setTimeout(async () => {
        const registry = new Registry();
        registerEscapedErrors(registry);
        console.log(JSON.stringify({ msg: 'still serving', metrics: await registry.metrics() }));
      }, 200);
    `;
    const run = await runNode(['-e', script], { NODE_PATH: resolve(__dirname, '../../../../node_modules') });
    expect(run.code).toBe(0);
    const entries = entriesOf(run.stdout);
    const escaped = entries.filter((entry) => entry.msg === ESCAPED_ERROR_MESSAGE);
    expect(escaped.map((entry) => [entry.origin, (entry.err as { message: string }).message]).sort()).toEqual(
      [
        ['uncaughtException', 'thrown on purpose'],
        ['unhandledRejection', 'rejected on purpose'],
      ],
    );
    const last = entries.at(-1) as { msg: string; metrics: string };
    expect(last.msg).toBe('still serving');
    expect(last.metrics).toContain('berth_escaped_errors_total{origin="uncaughtException"} 1');
    expect(last.metrics).toContain('berth_escaped_errors_total{origin="unhandledRejection"} 1');
  });
});
