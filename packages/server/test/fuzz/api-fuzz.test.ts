import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { OciClient, uniqueRepo } from '../support/oci-client';
import { RawConnection } from '../support/raw-http';
import type { RawResponse } from '../support/raw-request';
import { describeEachFlavor } from '../support/test-registry';
import { startUpload } from '../support/upload-steps';
import { fuzzRequest, queryString, type FuzzRequest, type FuzzTargets } from './request-arbitraries';

// A bounded run in CI; BERTH_FUZZ_RUNS=5000 (and BERTH_FUZZ_SEED to replay a failure) for more.
const RUNS = Number(process.env.BERTH_FUZZ_RUNS ?? 300);
const SEED = process.env.BERTH_FUZZ_SEED === undefined ? undefined : Number(process.env.BERTH_FUZZ_SEED);
const ANSWER_WITHIN_MS = 20_000;

/** What a request left behind that later reads must find intact. */
interface Stored {
  kind: 'manifests' | 'blobs';
  name: string;
  digest: string;
  /** The bytes sent, for a manifest (stored byte for byte); blobs are checked against their digest. */
  bytes?: Buffer;
}

/** The request's head and body bytes as the framing puts them on the wire. */
function wire(request: FuzzRequest, target: string): { head: string; body: Buffer } {
  const { body, framing } = request;
  const headers: Record<string, string | number> = {
    Host: 'registry',
    Connection: 'close',
    ...request.headers,
  };
  let framed = body;
  if (framing === 'length') headers['Content-Length'] = body.length;
  else if (framing === 'wrong-length') headers['Content-Length'] = body.length + 1 + (body.length % 7);
  else {
    headers['Transfer-Encoding'] = 'chunked';
    const chunk =
      body.length > 0 ? [Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n')] : [];
    const end = framing === 'chunked' ? '0\r\n\r\n' : 'zz\r\n';
    framed = Buffer.concat([...chunk, Buffer.from(end)]);
  }
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return { head: `${request.method} ${target} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`, body: framed };
}

/** Sends a generated request; the response, or undefined when the client left first. */
async function send(url: string, request: FuzzRequest, target: string): Promise<RawResponse | undefined> {
  const { head, body } = wire(request, target);
  const connection = await RawConnection.open(url);
  await connection.write(Buffer.from(head, 'latin1'));
  const { delivery } = request;
  const sent = delivery.kind === 'whole' ? body.length : Math.floor(body.length * delivery.fraction);
  await connection.write(body.subarray(0, sent));
  if (delivery.kind === 'reset') {
    await sleep(delivery.delayMs);
    connection.reset();
    return undefined;
  }
  // The client is done sending, whole or not: the server answers, or sees the body end early.
  const outcome = await connection.finish(ANSWER_WITHIN_MS);
  return outcome.response;
}

describeEachFlavor(
  'the API under random and mutated requests',
  (registry) => {
    let client: OciClient;
    let targets: FuzzTargets;
    const stored: Stored[] = [];

    beforeAll(async () => {
      client = new OciClient(registry().url);
      const repository = uniqueRepo('fuzz');
      targets = { repository, image: await client.pushImage(repository, 'latest') };
    });

    it(`never answers 5xx, never goes down (${RUNS} requests)`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constant(null).chain(() => fuzzRequest(targets)),
          async (request) => {
            const uploadId = request.needsUpload
              ? ((await startUpload(client, targets.repository)).split('/').at(-1) ?? '')
              : '';
            const target = `${request.path(uploadId)}${queryString(request.query)}`;
            const response = await send(registry().url, request, target);
            const status = response?.status;
            if (status !== undefined && status >= 500) {
              throw new Error(
                `${request.method} ${target} answered ${status}:\n${response?.body.slice(0, 2000)}`,
              );
            }
            const digest = response?.headers['docker-content-digest'];
            const location = response?.headers.location;
            if (status === 201 && digest !== undefined && location !== undefined) {
              const kind = location.includes('/manifests/') ? 'manifests' : 'blobs';
              const name = /^\/v2\/(.+)\/(?:manifests|blobs)\//.exec(location)?.[1] ?? '';
              stored.push({ kind, name, digest, ...(kind === 'manifests' ? { bytes: request.body } : {}) });
            }
            const base = await fetch(`${registry().url}/v2/`);
            expect(base.status).toBe(200);
          },
        ),
        { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}) },
      );
    }, 600_000);

    it('serves everything it acknowledged intact', async () => {
      // Most generated requests are refused; what some of them stored may have been deleted since.
      for (const entry of stored) {
        const res = await client.request('GET', `/v2/${entry.name}/${entry.kind}/${entry.digest}`, {
          follow: true,
        });
        if (res.status === 404) continue;
        expect(res.status).toBe(200);
        const bytes = Buffer.from(await res.arrayBuffer());
        if (entry.bytes) expect(bytes.equals(entry.bytes)).toBe(true);
        const [algorithm, hex] = entry.digest.split(':') as [string, string];
        expect(createHash(algorithm).update(bytes).digest('hex')).toBe(hex);
      }
      // Whatever a broken request left of the target image is still whole, or gone entirely.
      const { image, repository } = targets;
      for (const blob of [image.config, ...image.layers]) {
        const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
        const res = await client.request('GET', `/v2/${repository}/blobs/${digest}`, { follow: true });
        if (res.status === 200) expect(Buffer.from(await res.arrayBuffer()).equals(blob)).toBe(true);
        else expect(res.status).toBe(404);
      }
    });
  },
  { http: { idleTimeoutSeconds: 5 } },
);
