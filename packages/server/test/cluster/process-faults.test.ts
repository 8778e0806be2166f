import { setTimeout as sleep } from 'node:timers/promises';
import { randomBlob, sha256, uniqueRepo, type OciClient } from '../support/oci-client';
import { useProcessCluster, type ProcessCluster } from '../support/process-cluster';
import { auditStorage, type StorageAudit } from '../support/storage-audit';
import { StreamingRequest } from '../support/streaming-request';
import { reportTiming } from '../support/timings';
import { patchChunk, pullBlob, resumeOffset, startUpload } from '../support/upload-steps';

const MiB = 1024 * 1024;
// The upload lock a killed process held expires after 6 s (upload-sessions.ts); a retry may wait that long.
const RECOVERY_LIMIT_MS = 12_000;

describe('a process killed in the middle of an upload', () => {
  let cluster: ProcessCluster;
  let on: OciClient[];

  const started = useProcessCluster({ processes: 3 });

  beforeAll(async () => {
    cluster = started();
    on = cluster.processes.map((_, index) => cluster.clientOf(index));
  });

  /** Starts a request with part of its body sent, then SIGKILLs its process while the rest is due. */
  async function killMidBody(index: number, request: StreamingRequest, sent: Buffer): Promise<number> {
    await request.trickle(sent, { pieces: 6, pauseMs: 80 });
    const killedAt = Date.now();
    await cluster.processes[index]?.kill();
    await expect(request.response).rejects.toThrow();
    return killedAt;
  }

  /**
   * What a killed process had staged, or left as an incomplete multipart upload, is invisible and
   * belongs to the janitor and the bucket's lifecycle rule; whatever is committed must be accounted for.
   */
  async function expectCommittedAccountedFor(): Promise<StorageAudit> {
    const audit = await auditStorage(cluster.backends);
    expect(audit.orphanedObjects).toEqual([]);
    expect(audit.rowsWithoutObject).toEqual([]);
    return audit;
  }

  /** No running process admits a blob of that digest. */
  async function expectInvisible(name: string, digest: string): Promise<void> {
    for (const process of cluster.processes.filter((p) => p.running)) {
      const head = await fetch(`${process.url}/v2/${name}/blobs/${digest}`, { method: 'HEAD' });
      expect(head.status).toBe(404);
    }
  }

  it('lets the client resume a chunked upload on another process from the last acknowledged offset', async () => {
    const name = uniqueRepo('kill');
    const data = randomBlob(12 * MiB + 3);
    const digest = sha256(data);
    const acknowledged = 6 * MiB;
    const location = await startUpload(on[0] as OciClient, name);
    expect((await patchChunk(on[1] as OciClient, location, data.subarray(0, acknowledged), 0)).status).toBe(
      202,
    );

    const rest = data.subarray(acknowledged);
    const doomed = new StreamingRequest(`${cluster.processes[2]?.url}${location}`, {
      method: 'PATCH',
      headers: {
        'Content-Type': 'application/octet-stream',
        'Content-Length': rest.length,
        'Content-Range': `${acknowledged}-${data.length - 1}`,
      },
    });
    const killedAt = await killMidBody(2, doomed, rest.subarray(0, 3 * MiB));

    // The client's retry: ask any other process where the upload stands, send the rest from there.
    let attempts = 0;
    let busyAnswers = 0;
    for (;;) {
      attempts++;
      expect(Date.now() - killedAt).toBeLessThan(RECOVERY_LIMIT_MS);
      await expectInvisible(name, digest);
      const client = on[attempts % 2] as OciClient;
      const status = await client.request('GET', location);
      expect(status.status).toBe(204);
      const offset = resumeOffset(status.headers.get('range'));
      // Nothing of the interrupted chunk was acknowledged.
      expect(offset).toBe(acknowledged);
      const res = await patchChunk(client, location, data.subarray(offset), offset);
      await res.arrayBuffer();
      if (res.status === 202) break;
      // The killed process still holds the upload's lock until it expires: 416 with the same range.
      expect(res.status).toBe(416);
      expect(res.headers.get('range')).toBe(`0-${acknowledged - 1}`);
      busyAnswers++;
      await sleep(500);
    }
    const recoveredMs = Date.now() - killedAt;
    reportTiming(
      `SIGKILL mid-PATCH: resumed on another process after ${busyAnswers} busy answers`,
      recoveredMs,
    );

    const done = await (on[0] as OciClient).request('PUT', `${location}?digest=${digest}`);
    expect(done.status).toBe(201);
    expect((await pullBlob(on[1] as OciClient, name, digest)).equals(data)).toBe(true);

    await cluster.processes[2]?.start();
    expect((await pullBlob(on[2] as OciClient, name, digest)).equals(data)).toBe(true);
    await expectCommittedAccountedFor();
  }, 60_000);

  it('lets the client restart a monolithic upload cleanly on another process', async () => {
    const name = uniqueRepo('kill');
    const data = randomBlob(8 * MiB);
    const digest = sha256(data);
    const doomed = new StreamingRequest(
      `${cluster.processes[1]?.url}/v2/${name}/blobs/uploads/?digest=${digest}`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': data.length },
      },
    );
    const killedAt = await killMidBody(1, doomed, data.subarray(0, 4 * MiB));
    await expectInvisible(name, digest);

    const retried = await (on[0] as OciClient).request(
      'POST',
      `/v2/${name}/blobs/uploads/?digest=${digest}`,
      {
        body: data,
      },
    );
    expect(retried.status).toBe(201);
    reportTiming('SIGKILL mid-POST: monolithic upload restarted and stored', Date.now() - killedAt);
    expect((await pullBlob(on[2] as OciClient, name, digest)).equals(data)).toBe(true);
    await cluster.processes[1]?.start();
    expect((await pullBlob(on[1] as OciClient, name, digest)).equals(data)).toBe(true);
    const audit = await expectCommittedAccountedFor();
    expect(audit.blobRows.filter((row) => row.digest === digest)).toHaveLength(1);
  }, 60_000);
});
