import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthProcess, freePort } from '../support/berth-process';
import { randomBlob, sha256, uniqueRepo, type OciClient } from '../support/oci-client';
import { useProcessCluster, type ProcessCluster } from '../support/process-cluster';
import { StreamingRequest } from '../support/streaming-request';
import { reportTiming } from '../support/timings';
import { patchChunk, pullBlob, resumeOffset, startUpload } from '../support/upload-steps';

const MiB = 1024 * 1024;
const GRACE_SECONDS = 4;
const RESUME_LIMIT_MS = 5_000;

/**
 * A GET whose request line and first header are sent now and the rest later: the connection is
 * open and busy before a stop signal, as a load balancer's kept-alive probe connection would be.
 */
async function halfSentGet(port: number, path: string): Promise<{ finish(): Promise<string> }> {
  const socket: Socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
  return {
    async finish() {
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.write('Connection: close\r\n\r\n');
      await once(socket, 'close');
      return text;
    },
  };
}

/** Resolves once a new connection to the port is refused, or fails after `timeoutMs`. */
async function connectionsRefused(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const socket = connect(port, '127.0.0.1');
    const outcome = await new Promise<string | undefined>((resolve) => {
      socket.once('connect', () => resolve('accepted'));
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code));
    });
    socket.destroy();
    if (outcome === 'ECONNREFUSED') return;
    if (Date.now() > deadline) throw new Error(`port ${port} still ${outcome} after ${timeoutMs} ms`);
    await sleep(20);
  }
}

describe('a process told to stop', () => {
  let cluster: ProcessCluster;

  const started = useProcessCluster({
    processes: 2,
    env: { BERTH_SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS) },
  });

  beforeAll(async () => {
    cluster = started();
  });

  afterEach(async () => {
    // The next test needs both processes again.
    for (const process of cluster.processes) if (!process.running) await process.start();
  });

  function slowPatch(index: number, location: string, data: Buffer, start: number): StreamingRequest {
    return new StreamingRequest(`${cluster.processes[index]?.url}${location}`, {
      method: 'PATCH',
      headers: {
        'Content-Type': 'application/octet-stream',
        'Content-Length': data.length,
        'Content-Range': `${start}-${start + data.length - 1}`,
      },
      keepAlive: true,
    });
  }

  it('turns not ready, refuses new connections, finishes the request in flight, then exits 0', async () => {
    const stopping = cluster.processes[0];
    if (!stopping) throw new Error('no process');
    const name = uniqueRepo('stop');
    const data = randomBlob(3 * MiB);
    const location = await startUpload(cluster.clientOf(1), name);
    const inFlight = slowPatch(0, location, data, 0);
    await inFlight.trickle(data.subarray(0, MiB), { pieces: 4, pauseMs: 100 });
    const probe = await halfSentGet(stopping.port, '/readyz');

    const signalledAt = Date.now();
    stopping.signal('SIGTERM');
    await connectionsRefused(stopping.port, 2_000);
    const readiness = await probe.finish();
    expect(readiness).toMatch(/^HTTP\/1\.1 503 /);
    expect(readiness).toContain('"status":"draining"');

    // The rest of the body takes a while longer, well within the grace period.
    await inFlight.trickle(data.subarray(MiB), { pieces: 8, pauseMs: 150 });
    inFlight.end();
    const answer = await inFlight.response;
    const answeredAt = Date.now();
    expect(answer.status).toBe(202);
    expect(answer.headers.range).toBe(`0-${data.length - 1}`);

    // The client keeps its connection alive, as registry clients do; the process must not wait on it.
    const exit = await stopping.exited();
    const exitedAt = Date.now();
    inFlight.abort();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(exitedAt - answeredAt).toBeLessThan(1_500);
    reportTiming('SIGTERM: in-flight PATCH answered after the signal', answeredAt - signalledAt);
    reportTiming('SIGTERM: exit after the last response', exitedAt - answeredAt);

    const done = await cluster.clientOf(1).request('PUT', `${location}?digest=${sha256(data)}`);
    expect(done.status).toBe(201);
    expect((await pullBlob(cluster.clientOf(1), name, sha256(data))).equals(data)).toBe(true);
  }, 60_000);

  it('cuts off a request still running when the grace period ends, exits 0, and the upload resumes elsewhere', async () => {
    const stopping = cluster.processes[0];
    if (!stopping) throw new Error('no process');
    const survivor: OciClient = cluster.clientOf(1);
    const name = uniqueRepo('stop');
    const data = randomBlob(4 * MiB);
    const location = await startUpload(survivor, name);
    expect((await patchChunk(survivor, location, data.subarray(0, MiB), 0)).status).toBe(202);
    const endless = slowPatch(0, location, data.subarray(MiB), MiB);
    await endless.trickle(data.subarray(MiB, 2 * MiB), { pieces: 4, pauseMs: 100 });

    const signalledAt = Date.now();
    stopping.signal('SIGTERM');
    // The client stalls mid-body past the grace period.
    const exit = await stopping.exited();
    const exitMs = Date.now() - signalledAt;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(exitMs).toBeGreaterThanOrEqual(GRACE_SECONDS * 1000 - 100);
    expect(exitMs).toBeLessThan(GRACE_SECONDS * 1000 + 3_000);
    await expect(endless.response).rejects.toThrow();
    endless.abort();
    reportTiming(`SIGTERM: stalled request cut off and process exited (grace ${GRACE_SECONDS} s)`, exitMs);

    // Nothing of the cut-off chunk counts; the client resumes at the acknowledged offset.
    const resumedAt = Date.now();
    for (;;) {
      const status = await survivor.request('GET', location);
      const offset = resumeOffset(status.headers.get('range'));
      expect(offset).toBe(MiB);
      const res = await patchChunk(survivor, location, data.subarray(offset), offset);
      await res.arrayBuffer();
      if (res.status === 202) break;
      expect(res.status).toBe(416);
      await sleep(250);
    }
    const resumeMs = Date.now() - resumedAt;
    // The cut-off request releases its upload lock before the backends close.
    expect(resumeMs).toBeLessThan(RESUME_LIMIT_MS);
    reportTiming('SIGTERM: cut-off upload resumed on the other process after', resumeMs);
    const done = await survivor.request('PUT', `${location}?digest=${sha256(data)}`);
    expect(done.status).toBe(201);
    expect((await pullBlob(survivor, name, sha256(data))).equals(data)).toBe(true);
  }, 60_000);
});

describe('a process told to stop with a drain time', () => {
  const DRAIN_SECONDS = 2;

  it('keeps answering new connections, not ready and closing each, until the drain time ends', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'berth-drain-'));
    const registry = new BerthProcess(await freePort(), {
      BERTH_METADATA_PGLITE_DATA_DIR: path.join(dir, 'metadata'),
      BERTH_BLOBS_FILESYSTEM_ROOT: path.join(dir, 'blobs'),
      BERTH_SHUTDOWN_DRAIN_SECONDS: String(DRAIN_SECONDS),
    });
    try {
      await registry.start();
      expect((await fetch(`${registry.url}/readyz`)).status).toBe(200);

      const signalledAt = Date.now();
      registry.signal('SIGTERM');
      // A load balancer's next probe, on a new connection: not ready, yet answered.
      let readiness: Response;
      for (;;) {
        readiness = await fetch(`${registry.url}/readyz`);
        if (readiness.status === 503) break;
        await sleep(20);
      }
      expect(await readiness.json()).toMatchObject({ status: 'draining' });
      expect(readiness.headers.get('connection')).toBe('close');
      // Requests still routed to it are served, each ending its connection.
      const api = await fetch(`${registry.url}/v2/`);
      expect(api.status).toBe(200);
      expect(api.headers.get('connection')).toBe('close');

      await connectionsRefused(registry.port, (DRAIN_SECONDS + 5) * 1000);
      const refusedAfterMs = Date.now() - signalledAt;
      expect(refusedAfterMs).toBeGreaterThanOrEqual(DRAIN_SECONDS * 1000 - 100);
      expect(await registry.exited()).toEqual({ code: 0, signal: null });
      reportTiming(`SIGTERM: listener closed after the drain time (${DRAIN_SECONDS} s)`, refusedAfterMs);
    } finally {
      if (registry.running) await registry.kill();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
