import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BERTH_VERSION } from '@berth/server';
import { BerthProcess, freePort, type LogEntry } from '../../../server/test/support/berth-process';
import { ensureCliBuilt } from '../../../server/test/support/cli-build';
import { runBerth } from '../../../server/test/support/run-to-end';

const AUTH_OFF = 'auth is off: anyone who can reach this registry may pull, push and delete';

interface FailedStart {
  code: number;
  entries: LogEntry[];
  output: string;
}

/** Runs `berth serve`, which must exit on its own; its exit code and what it printed. */
async function failedServe(env: NodeJS.ProcessEnv): Promise<FailedStart> {
  const result = await runBerth(env, ['serve']);
  const output = result.stdout + result.stderr;
  const entries = output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogEntry);
  return { code: result.code, entries, output };
}

/** One warning that auth is off, then one fatal line saying `reason`, nothing else, and exit 1. */
function expectOneLineFailure(start: FailedStart, reason: RegExp): void {
  expect(start.code).toBe(1);
  expect(start.entries.map((entry) => [entry.level, entry.msg])).toEqual([
    [40, AUTH_OFF],
    [60, expect.stringMatching(reason)],
  ]);
  // Expected failures say all in their message: no stack trace, no error object.
  expect(start.output).not.toMatch(/\n\s+at /);
  expect(start.entries[1]).not.toHaveProperty('err');
  expect(start.output).not.toContain('registry listening');
}

describe('berth serve, when it cannot start', () => {
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    ensureCliBuilt();
    dir = await mkdtemp(path.join(tmpdir(), 'berth-startup-'));
    // A file where a directory should be defeats root, whom permissions would not stop.
    await writeFile(path.join(dir, 'file'), '');
    env = {
      BERTH_HTTP_PORT: String(await freePort()),
      BERTH_METADATA_PGLITE_DATA_DIR: path.join(dir, 'metadata'),
      BERTH_BLOBS_FILESYSTEM_ROOT: path.join(dir, 'blobs'),
    };
  }, 300_000);

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('names the port when another process has it', async () => {
    const taken: Server = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', resolve));
    try {
      const start = await failedServe({ ...env, BERTH_HTTP_PORT: String(port) });
      expectOneLineFailure(
        start,
        new RegExp(
          `^cannot start: cannot listen on 127\\.0\\.0\\.1:${port} \\(http\\.host, http\\.port\\): the port is already in use by another process$`,
        ),
      );
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('names the PGlite data directory when it cannot be created', async () => {
    const dataDir = path.join(dir, 'file', 'metadata');
    const start = await failedServe({ ...env, BERTH_METADATA_PGLITE_DATA_DIR: dataDir });
    expectOneLineFailure(
      start,
      new RegExp(
        `^cannot start: the PGlite data directory ${dataDir} cannot be opened: ENOTDIR: .+ \\(metadata\\.pglite\\.dataDir, BERTH_METADATA_PGLITE_DATA_DIR\\)$`,
      ),
    );
  });

  it('names the blob root when it cannot be written, before it says it listens', async () => {
    const root = path.join(dir, 'file', 'blobs');
    const start = await failedServe({ ...env, BERTH_BLOBS_FILESYSTEM_ROOT: root });
    expectOneLineFailure(
      start,
      new RegExp(
        `^cannot start: the blob root ${root} failed its check: ENOTDIR: .+ \\(blobs\\.filesystem\\.root, BERTH_BLOBS_FILESYSTEM_ROOT\\)$`,
      ),
    );
  });

  it('names the database setting, and not its password, when PostgreSQL cannot be reached', async () => {
    const start = await failedServe({
      ...env,
      BERTH_METADATA_DRIVER: 'postgres',
      BERTH_METADATA_POSTGRES_URL: `postgres://berth:db-secret-password@127.0.0.1:${await freePort()}/berth`,
    });
    expectOneLineFailure(
      start,
      /^cannot start: the PostgreSQL database failed its check: .*ECONNREFUSED.* \(metadata\.postgres\.url, BERTH_METADATA_POSTGRES_URL\)$/,
    );
    expect(start.output).not.toContain('db-secret-password');
  });

  it('names the Redis setting when Redis refuses connections, and not its password', async () => {
    const start = await failedServe({
      ...env,
      BERTH_COORDINATOR_DRIVER: 'redis',
      BERTH_COORDINATOR_REDIS_URL: `redis://:redis-secret-password@127.0.0.1:${await freePort()}`,
    });
    expectOneLineFailure(
      start,
      /^cannot start: Redis failed its check: cannot connect to Redis: .*ECONNREFUSED.* \(coordinator\.redis\.url, BERTH_COORDINATOR_REDIS_URL\)$/,
    );
    expect(start.output).not.toContain('redis-secret-password');
  });

  it('gives up on a Redis that accepts connections and never answers', async () => {
    const silent: Server = createServer(() => undefined);
    const port = await freePort();
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    try {
      const start = await failedServe({
        ...env,
        BERTH_COORDINATOR_DRIVER: 'redis',
        BERTH_COORDINATOR_REDIS_URL: `redis://127.0.0.1:${port}`,
      });
      expectOneLineFailure(
        start,
        /^cannot start: Redis failed its check: Redis did not answer PING within \d+ ms \(coordinator\.redis\.url, BERTH_COORDINATOR_REDIS_URL\)$/,
      );
    } finally {
      silent.close();
    }
  });
});

describe('berth serve, when it starts', () => {
  it('says which version listens where, after the warning that auth is off', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'berth-startup-'));
    const registry = new BerthProcess(await freePort(), {
      BERTH_METADATA_PGLITE_DATA_DIR: path.join(dir, 'metadata'),
      BERTH_BLOBS_FILESYSTEM_ROOT: path.join(dir, 'blobs'),
      // What Kubernetes injects for a Service named berth: noted at debug level, never fatal.
      BERTH_SERVICE_HOST: '10.96.0.12',
      BERTH_LOG_LEVEL: 'debug',
    });
    try {
      await registry.start();
      const messages = registry.logEntries().map((entry) => entry.msg);
      expect(messages.indexOf(AUTH_OFF)).toBeGreaterThanOrEqual(0);
      expect(messages.indexOf(AUTH_OFF)).toBeLessThan(messages.indexOf('registry listening'));
      expect(registry.logEntries().find((entry) => entry.msg === 'registry listening')).toMatchObject({
        version: BERTH_VERSION,
        url: registry.url,
      });
      expect(BERTH_VERSION).toMatch(/^\d+\.\d+\.\d+/);
      expect(registry.logEntries()).toContainEqual(
        expect.objectContaining({ level: 20, variables: ['BERTH_SERVICE_HOST'] }),
      );
    } finally {
      await registry.kill();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
