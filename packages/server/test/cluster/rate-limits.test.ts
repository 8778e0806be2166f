import { setTimeout as sleep } from 'node:timers/promises';
import { errorCodeOf, OCI_MANIFEST, sha256, uniqueRepo, type TestImage } from '../support/oci-client';
import { useProcessCluster, type ProcessCluster } from '../support/process-cluster';

const PROCESSES = 3;
const BURST = 30;
const PER_SECOND = 1;
/** Requests past the burst: two rounds over the processes, so each one gets to refuse. */
const EXTRA = 2 * PROCESSES;

/** What one manifest read was answered with. */
interface Outcome {
  /** Index of the process that answered. */
  servedBy: number;
  status: number;
  limit: number;
  remaining: number;
  /** Retry-After in seconds; undefined when the header is absent. */
  retryAfter: number | undefined;
  /** The error code of a refusal. */
  code: string | undefined;
}

const numberHeader = (res: Response, name: string): number | undefined => {
  const value = res.headers.get(name);
  return value === null ? undefined : Number(value);
};

// Auth stays off: every request is anonymous from 127.0.0.1, so all of them are counted against
// one client address, the same bucket whichever process serves them.
describe(`manifest-read rate limit shared by ${PROCESSES} processes through Redis`, () => {
  let cluster: ProcessCluster;
  let name: string;
  let image: TestImage;
  let turn = 0;

  /** Reads the manifest from the next process in turn, as a load balancer would send it. */
  async function readManifest(servedBy = turn++ % PROCESSES): Promise<Outcome> {
    const res = await cluster
      .clientOf(servedBy)
      .request('GET', `/v2/${name}/manifests/v1`, { headers: { Accept: OCI_MANIFEST } });
    let code: string | undefined;
    if (res.status === 200) expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(image.digest);
    else code = await errorCodeOf(res);
    return {
      servedBy,
      status: res.status,
      limit: numberHeader(res, 'ratelimit-limit') ?? NaN,
      remaining: numberHeader(res, 'ratelimit-remaining') ?? NaN,
      retryAfter: numberHeader(res, 'retry-after'),
      code,
    };
  }

  const started = useProcessCluster({
    processes: PROCESSES,
    env: {
      BERTH_RATE_LIMITS_ENABLED: 'true',
      BERTH_RATE_LIMITS_DEFAULTS_MANIFEST_READS_BURST: String(BURST),
      BERTH_RATE_LIMITS_DEFAULTS_MANIFEST_READS_PER_SECOND: String(PER_SECOND),
    },
  });

  beforeAll(async () => {
    cluster = started();
    // Pushing spends the writes budget only, leaving the manifest-read bucket full.
    name = uniqueRepo('rate');
    image = await cluster.client().pushImage(name, 'v1');
  }, 60_000);

  it('lets exactly the burst through across processes, then refuses on every one', async () => {
    const started = performance.now();
    const outcomes: Outcome[] = [];
    for (let i = 0; i < BURST + EXTRA; i++) outcomes.push(await readManifest());
    // The bucket refills while the requests run; that many more may get through. A slow refill
    // keeps this at 0 unless the machine is very slow, and then the bounds still hold.
    const slack = Math.floor(((performance.now() - started) / 1000) * PER_SECOND);

    const allowed = outcomes.filter((outcome) => outcome.status === 200);
    expect(allowed.length).toBeGreaterThanOrEqual(BURST);
    expect(allowed.length).toBeLessThanOrEqual(BURST + slack);
    expect(outcomes.slice(0, BURST).map((outcome) => outcome.status)).toEqual(Array(BURST).fill(200));
    // One count for all processes: the first answer of the second process already reports the
    // first process's request, and so on round the cluster.
    const offCountdown = outcomes.slice(0, BURST).flatMap(({ remaining }, i) => {
      const expected = BURST - 1 - i;
      return remaining >= expected && remaining <= expected + slack
        ? []
        : [`request ${i}: remaining ${remaining}, expected ${expected}`];
    });
    expect(offCountdown).toEqual([]);
    expect(new Set(outcomes.map((outcome) => outcome.limit))).toEqual(new Set([BURST]));

    // Past the burst, only a token refilled meanwhile (at most `slack`) lets a request through.
    const refused = outcomes.slice(BURST).filter((outcome) => outcome.status !== 200);
    for (const outcome of refused) {
      expect(outcome).toMatchObject({ status: 429, code: 'TOOMANYREQUESTS', remaining: 0 });
      // Whole seconds, rounded up: one token comes back within 1 / PER_SECOND.
      expect(outcome.retryAfter).toBeGreaterThanOrEqual(1);
      expect(outcome.retryAfter).toBeLessThanOrEqual(Math.ceil(1 / PER_SECOND));
    }
    expect(new Set(refused.map((outcome) => outcome.servedBy)).size).toBe(PROCESSES);

    // Blob reads are another class with a budget of their own, untouched by the manifest reads.
    for (let index = 0; index < PROCESSES; index++) {
      const res = await cluster.clientOf(index).request('HEAD', `/v2/${name}/blobs/${sha256(image.config)}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-remaining')).not.toBeNull();
    }
  });

  it('serves again once the time Retry-After names has passed', async () => {
    // Spend whatever refilled since the last test, to learn how long the next token takes.
    let refusal = await readManifest();
    for (let attempt = 0; refusal.status === 200 && attempt < BURST; attempt++)
      refusal = await readManifest();
    expect(refusal.status).toBe(429);
    expect(refusal.retryAfter).toBeGreaterThanOrEqual(1);

    await sleep((refusal.retryAfter ?? 0) * 1000);
    // Another process than the one that refused sees the refill: the bucket is in Redis.
    const next = await readManifest();
    expect(next.servedBy).not.toBe(refusal.servedBy);
    expect(next).toMatchObject({ status: 200, limit: BURST });
  });
});
