import { randomBytes } from 'node:crypto';
import { get } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BerthProcess, LogEntry } from '../support/berth-process';
import { Scrape } from '../support/prometheus';
import { randomBlob, sha256, uniqueRepo } from '../support/oci-client';
import { useProcessCluster, type ProcessCluster } from '../support/process-cluster';
import { pullBlob } from '../support/upload-steps';

const WORKERS = 2;

/** GET on a connection of its own: the primary hands each new connection to the next worker. */
function getOnNewConnection(url: string): Promise<number> {
  return textOnNewConnection(url).then(({ status }) => status);
}

function textOnNewConnection(url: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
    }).once('error', reject);
  });
}

/** Pids of the processes that logged `registry listening`: the workers, never the primary. */
function listeningPids(process: BerthProcess): number[] {
  return process
    .logEntries()
    .filter((entry) => entry.msg === 'registry listening')
    .map((entry) => entry.pid as number);
}

/** Pids that logged a request for exactly `url`. */
function pidsServing(entries: LogEntry[], url: string): Set<number> {
  return new Set(
    entries
      .filter((entry) => (entry.req as { url?: string } | undefined)?.url === url)
      .map((entry) => entry.pid as number),
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function eventually<T>(check: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not so after ${timeoutMs} ms`);
    await sleep(50);
  }
}

describe(`one process with http.workers = ${WORKERS}`, () => {
  let cluster: ProcessCluster;
  let primary: BerthProcess;

  const started = useProcessCluster({ processes: 1, env: { BERTH_HTTP_WORKERS: String(WORKERS) } });

  beforeAll(async () => {
    cluster = started();
    primary = cluster.processes[0] as BerthProcess;
    // Ready means one worker listens; the test wants all of them.
    await eventually(() => (listeningPids(primary).length === WORKERS ? true : undefined), 20_000);
  }, 60_000);

  it('spreads connections over worker processes sharing the port', async () => {
    const workers = listeningPids(primary);
    expect(new Set(workers).size).toBe(WORKERS);
    expect(workers).not.toContain(primary.pid);

    const name = uniqueRepo('workers');
    const data = randomBlob(100_000);
    await cluster.client().pushBlob(name, data);
    const marker = randomBytes(4).toString('hex');
    const urls = Array.from({ length: 8 }, (_, i) => `/v2/${name}/tags/list?n=${i}&m=${marker}`);
    for (const url of urls) expect(await getOnNewConnection(`${primary.url}${url}`)).toBe(200);
    const served = await eventually(() => {
      const entries = primary.logEntries();
      const pids = urls.map((url) => [...pidsServing(entries, url)]);
      return pids.every((found) => found.length === 1) ? pids.flat() : undefined;
    }, 5_000);
    expect(new Set(served)).toEqual(new Set(workers));
    expect((await pullBlob(cluster.client(), name, sha256(data))).equals(data)).toBe(true);
  });

  it('answers every scrape with the whole pod: the sum over its workers', async () => {
    const listed = { route: '/v2/:name/tags/list', method: 'GET', status: '200' };
    // Scrapes on new connections land on every worker in turn; each must report all requests.
    const counts: number[] = [];
    for (let i = 0; i < 2 * WORKERS; i++) {
      const { status, text } = await textOnNewConnection(`${primary.url}/metrics`);
      expect(status).toBe(200);
      counts.push(new Scrape(text).value('berth_http_requests_total', listed));
    }
    expect(counts).toEqual(Array<number>(2 * WORKERS).fill(8));
  });

  it('replaces a worker that dies', async () => {
    const [victim] = listeningPids(primary);
    process.kill(victim as number, 'SIGKILL');
    const replacement = await eventually(() => {
      const pids = listeningPids(primary).filter((pid) => pid !== victim && isAlive(pid));
      return pids.length === WORKERS ? pids : undefined;
    }, 20_000);
    expect(replacement).not.toContain(victim);
    for (let i = 0; i < 4; i++) expect(await getOnNewConnection(`${primary.url}/v2/`)).toBe(200);
  });

  it('stops every worker and exits 0 when the primary gets SIGTERM', async () => {
    const workers = listeningPids(primary).filter(isAlive);
    expect(workers).toHaveLength(WORKERS);
    const signalledAt = Date.now();
    primary.signal('SIGTERM');
    const exit = await primary.exited();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(5_000);
    expect(workers.filter(isAlive)).toEqual([]);
  }, 30_000);
});
