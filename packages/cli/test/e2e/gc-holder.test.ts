import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BerthProcess, freePort } from '../../../server/test/support/berth-process';
import { ensureCliBuilt } from '../../../server/test/support/cli-build';
import { runBerth } from '../../../server/test/support/run-to-end';

/** Runs `berth <args> --json` and parses what it printed, expecting success. */
async function json(env: Record<string, string>, args: string[]): Promise<Record<string, unknown>> {
  const outcome = await runBerth(env, [...args, '--json']);
  expect(outcome).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(outcome.stdout) as Record<string, unknown>;
}

describe('gc commands on the embedded data directory of a running registry, then stopped', () => {
  let dir: string;
  let env: Record<string, string>;
  let registry: BerthProcess;

  beforeAll(async () => {
    ensureCliBuilt();
    dir = await mkdtemp(path.join(tmpdir(), 'berth-gc-holder-'));
    env = {
      BERTH_METADATA_PGLITE_DATA_DIR: path.join(dir, 'metadata'),
      BERTH_BLOBS_FILESYSTEM_ROOT: path.join(dir, 'blobs'),
      BERTH_LOG_LEVEL: 'warn',
      // Due at once, collected only when asked.
      BERTH_GC_REVIEW_DELAY_SECONDS: '0',
      BERTH_GC_REVIEW_JITTER_SECONDS: '0',
      BERTH_GC_INTERVAL_SECONDS: '0',
    };
    registry = new BerthProcess(await freePort(), env);
    await registry.start();
  }, 300_000);

  afterAll(async () => {
    if (registry.running) await registry.kill();
    await rm(dir, { recursive: true, force: true });
  });

  async function pushBlob(repository: string, data: Buffer): Promise<string> {
    const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
    const res = await fetch(new URL(`/v2/${repository}/blobs/uploads/?digest=${digest}`, registry.url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: data,
    });
    expect(res.status).toBe(201);
    return digest;
  }

  async function storedObjects(): Promise<string[]> {
    const entries = await readdir(path.join(dir, 'blobs'), { recursive: true, withFileTypes: true });
    return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
  }

  it('runs in the registry while it serves: its worker, its last run, its blob store', async () => {
    const digest = await pushBlob('library/app', randomBytes(6000));
    expect(await storedObjects()).toHaveLength(1);
    // The registry answers: it reports its own collection, which a process of its own would not.
    expect(await json(env, ['gc', 'status'])).toMatchObject({
      links: { queued: 1, due: 1 },
      worker: { intervalSeconds: 0 },
    });
    expect(await json(env, ['gc', 'dry-run'])).toMatchObject({
      repositories: [{ repository: 'library/app', links: [{ digest, size: 6000 }], bytes: 6000 }],
      blobs: [{ digest, size: 6000 }],
    });
    expect(await json(env, ['gc', 'run', '--now'])).toMatchObject({
      linksRemoved: 1,
      blobsReclaimed: 1,
      bytesReclaimed: 6000,
    });
    expect(await storedObjects()).toEqual([]);
    expect(
      (await fetch(new URL(`/v2/library/app/blobs/${digest}`, registry.url), { method: 'HEAD' })).status,
    ).toBe(404);
    expect(await json(env, ['gc', 'status'])).toMatchObject({
      worker: { lastRun: { outcome: 'done', linksRemoved: 1, blobsReclaimed: 1, bytesReclaimed: 6000 } },
    });
    expect(await runBerth(env, ['gc', 'run'])).toMatchObject({ code: 2, stdout: '' });
  }, 120_000);

  it('runs on its own once the registry has stopped', async () => {
    await pushBlob('library/app', randomBytes(700));
    registry.signal('SIGTERM');
    expect(await registry.exited()).toEqual({ code: 0, signal: null });

    const status = await json(env, ['gc', 'status']);
    expect(status).toMatchObject({ links: { queued: 1, due: 1 } });
    expect(status).not.toHaveProperty('worker');
    expect(await json(env, ['gc', 'run', '--now'])).toMatchObject({ linksRemoved: 1, blobsReclaimed: 1 });
    expect(await storedObjects()).toEqual([]);
  }, 120_000);
});
