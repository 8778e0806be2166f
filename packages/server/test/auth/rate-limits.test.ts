import { setTimeout as sleep } from 'node:timers/promises';
import { errorCodeOf } from '../support/oci-client';
import {
  AdminClient,
  authOverrides,
  basic,
  ecKeyPair,
  freshLoopbackAddress,
  requestFrom,
} from '../support/access-setup';
import { describeEachFlavor, type TestRegistry } from '../support/test-registry';

// Small bursts so a test spends one in a few requests; one token a second so a spent budget
// recovers within about a second, and no test sees a token come back while it counts down.
const MANIFEST_READS = { perSecond: 1, burst: 3 };
const BLOB_READS = { perSecond: 1, burst: 2 };
const WRITES = { perSecond: 1, burst: 2 };
const NAMESPACE_OVERRIDE = { perSecond: 1, burst: 5 };
const ROBOT_OVERRIDE = { perSecond: 1, burst: 7 };

const rateLimits = (overrides: unknown[]) => ({
  rateLimits: {
    enabled: true,
    defaults: { manifestReads: MANIFEST_READS, blobReads: BLOB_READS, writes: WRITES },
    overrides,
  },
});

const MISSING_DIGEST = `sha256:${'0'.repeat(64)}`;

/** One request of each class; none of them needs anything in the registry to be limited. */
const REQUESTS = {
  manifestRead: (repository: string) => ({ method: 'GET', path: `/v2/${repository}/manifests/latest` }),
  blobRead: (repository: string) => ({ method: 'GET', path: `/v2/${repository}/blobs/${MISSING_DIGEST}` }),
  write: (repository: string) => ({ method: 'POST', path: `/v2/${repository}/blobs/uploads/` }),
};

interface Outcome {
  status: number;
  limit: number | undefined;
  remaining: number | undefined;
  retryAfter: number | undefined;
  code: string | undefined;
}

/** A client at one address (and, with auth, one account), reporting what the limiter said. */
class Caller {
  constructor(
    private readonly registry: () => TestRegistry,
    readonly address = freshLoopbackAddress(),
    private readonly headers: Record<string, string> = {},
  ) {}

  withHeaders(headers: Record<string, string>): Caller {
    return new Caller(this.registry, this.address, { ...this.headers, ...headers });
  }

  async send({ method, path }: { method: string; path: string }): Promise<Outcome> {
    const res = await requestFrom(this.address, new URL(path, this.registry().url).toString(), {
      method,
      headers: this.headers,
    });
    const number = (name: string) => {
      const value = res.headers.get(name);
      return value === null ? undefined : Number(value);
    };
    return {
      status: res.status,
      limit: number('ratelimit-limit'),
      remaining: number('ratelimit-remaining'),
      retryAfter: number('retry-after'),
      // HEAD responses carry no body to read a code from.
      code: res.status >= 400 && method !== 'HEAD' ? await errorCodeOf(res) : undefined,
    };
  }

  /** Sends the request `count` times in a row. */
  async repeat(count: number, request: { method: string; path: string }): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    for (let i = 0; i < count; i++) outcomes.push(await this.send(request));
    return outcomes;
  }

  /** Spends a budget of `burst` and checks that the next request is refused. */
  async exhaust(burst: number, request: { method: string; path: string }): Promise<void> {
    const outcomes = await this.repeat(burst + 1, request);
    expect(outcomes.map((outcome) => outcome.status === 429)).toEqual([
      ...Array<boolean>(burst).fill(false),
      true,
    ]);
  }
}

function expectRefused(outcome: Outcome, limit: number): void {
  expect(outcome).toMatchObject({ status: 429, code: 'TOOMANYREQUESTS', limit, remaining: 0 });
  expect(outcome.retryAfter).toBeGreaterThanOrEqual(1);
}

describeEachFlavor(
  'rate limits, anonymous',
  (registry) => {
    const caller = () => new Caller(registry);

    it('counts RateLimit-Remaining down from the burst, then refuses with 429 and Retry-After', async () => {
      const outcomes = await caller().repeat(MANIFEST_READS.burst + 2, REQUESTS.manifestRead('team/app'));
      expect(outcomes.map(({ status, limit, remaining }) => ({ status, limit, remaining }))).toEqual([
        { status: 404, limit: 3, remaining: 2 },
        { status: 404, limit: 3, remaining: 1 },
        { status: 404, limit: 3, remaining: 0 },
        { status: 429, limit: 3, remaining: 0 },
        { status: 429, limit: 3, remaining: 0 },
      ]);
      expectRefused(outcomes[3]!, MANIFEST_READS.burst);
    });

    it('keeps request classes apart: spent manifest reads leave blob reads and writes alone', async () => {
      const client = caller();
      await client.exhaust(MANIFEST_READS.burst, REQUESTS.manifestRead('team/app'));
      expect(await client.send(REQUESTS.blobRead('team/app'))).toMatchObject({
        status: 404,
        code: 'BLOB_UNKNOWN',
        limit: BLOB_READS.burst,
        remaining: BLOB_READS.burst - 1,
      });
      expect(await client.send(REQUESTS.write('team/app'))).toMatchObject({
        status: 202,
        limit: WRITES.burst,
        remaining: WRITES.burst - 1,
      });
      await client.exhaust(WRITES.burst - 1, REQUESTS.write('team/app'));
      expect(await client.send(REQUESTS.blobRead('team/app'))).toMatchObject({
        status: 404,
        remaining: BLOB_READS.burst - 2,
      });
      // HEAD and tag listings are manifest reads too, so they share the spent budget.
      expect(await client.send({ method: 'HEAD', path: '/v2/team/app/manifests/latest' })).toMatchObject({
        status: 429,
        limit: MANIFEST_READS.burst,
      });
      expectRefused(
        await client.send({ method: 'GET', path: '/v2/team/app/tags/list' }),
        MANIFEST_READS.burst,
      );
    });

    it('counts anonymous callers by address, which a forwarded-for header does not change', async () => {
      const spent = caller();
      await spent.exhaust(MANIFEST_READS.burst, REQUESTS.manifestRead('team/app'));
      expectRefused(await spent.send(REQUESTS.manifestRead('other/app')), MANIFEST_READS.burst);
      const forwarded = spent.withHeaders({ 'X-Forwarded-For': '203.0.113.7', 'X-Real-IP': '203.0.113.7' });
      expectRefused(await forwarded.send(REQUESTS.manifestRead('team/app')), MANIFEST_READS.burst);
      expect(await caller().send(REQUESTS.manifestRead('team/app'))).toMatchObject({
        status: 404,
        remaining: MANIFEST_READS.burst - 1,
      });
    });

    it('gives a namespace with an override a budget of its own, for each of its callers', async () => {
      const client = caller();
      const outcomes = await client.repeat(2, REQUESTS.manifestRead('bulk/app'));
      expect(outcomes.map(({ limit, remaining }) => [limit, remaining])).toEqual([
        [5, 4],
        [5, 3],
      ]);
      // Nested repositories belong to the namespace too; other namespaces keep the default.
      await client.exhaust(NAMESPACE_OVERRIDE.burst - 2, REQUESTS.manifestRead('bulk/team/app'));
      expect(await client.send(REQUESTS.manifestRead('team/app'))).toMatchObject({
        status: 404,
        limit: MANIFEST_READS.burst,
        remaining: MANIFEST_READS.burst - 1,
      });
      // The override is for manifest reads only.
      expect(await client.send(REQUESTS.blobRead('bulk/app'))).toMatchObject({ limit: BLOB_READS.burst });
      expect(await caller().send(REQUESTS.manifestRead('bulk/app'))).toMatchObject({
        limit: NAMESPACE_OVERRIDE.burst,
        remaining: NAMESPACE_OVERRIDE.burst - 1,
      });
    });

    it('lets a refused caller in again once Retry-After has passed', async () => {
      const client = caller();
      await client.repeat(BLOB_READS.burst, REQUESTS.blobRead('team/app'));
      const refused = await client.send(REQUESTS.blobRead('team/app'));
      expectRefused(refused, BLOB_READS.burst);
      // One token a second: Retry-After is the second it takes to refill one.
      expect(refused.retryAfter).toBe(1);
      await sleep(refused.retryAfter! * 1000 + 50);
      expect(await client.send(REQUESTS.blobRead('team/app'))).toMatchObject({ status: 404, remaining: 0 });
      expectRefused(await client.send(REQUESTS.blobRead('team/app')), BLOB_READS.burst);
    });
  },
  rateLimits([{ namespace: 'bulk', class: 'manifestReads', limit: NAMESPACE_OVERRIDE }]),
);

const signing = ecKeyPair();
const ALICE = { username: 'alice', password: 'alice-password-1' };
const BOB = { username: 'bob', password: 'bob-password-12' };

describeEachFlavor(
  'rate limits, authenticated',
  (registry) => {
    let robots: Record<'ci' | 'other', { account: string; secret: string }>;
    const as = ({ username, password }: { username: string; password: string }, address?: string) =>
      new Caller(registry, address).withHeaders({ Authorization: basic(username, password) });
    const asRobot = (name: 'ci' | 'other') =>
      as({ username: robots[name].account, password: robots[name].secret });

    beforeAll(async () => {
      const admin = new AdminClient(registry().url);
      for (const user of [ALICE, BOB]) await admin.createUser(user.username, user.password);
      await admin.createNamespace('team');
      await admin.createNamespace('plain');
      for (const user of [ALICE, BOB]) {
        await admin.setMember('team', user.username, 'writer');
        await admin.setMember('plain', user.username, 'writer');
      }
      robots = {
        ci: await admin.createRobot('team', 'ci', ['pull', 'push']),
        other: await admin.createRobot('team', 'other', ['pull', 'push']),
      };
    });

    it('gives each user a budget of their own, whichever address they call from', async () => {
      const shared = freshLoopbackAddress();
      await as(ALICE, shared).exhaust(MANIFEST_READS.burst, REQUESTS.manifestRead('plain/app'));
      expect(await as(BOB, shared).send(REQUESTS.manifestRead('plain/app'))).toMatchObject({
        status: 404,
        remaining: MANIFEST_READS.burst - 1,
      });
      expectRefused(await as(ALICE).send(REQUESTS.manifestRead('plain/app')), MANIFEST_READS.burst);
      expectRefused(await as(ALICE).send({ method: 'GET', path: '/v2/' }), MANIFEST_READS.burst);
    });

    it('counts requests that are then denied, so probing private repositories spends the budget', async () => {
      const anonymous = new Caller(registry);
      const outcomes = await anonymous.repeat(MANIFEST_READS.burst, REQUESTS.manifestRead('plain/app'));
      expect(outcomes.map(({ status, remaining }) => [status, remaining])).toEqual([
        [401, 2],
        [401, 1],
        [401, 0],
      ]);
      expectRefused(await anonymous.send(REQUESTS.manifestRead('plain/app')), MANIFEST_READS.burst);
    });

    it("applies a robot's own override, before its namespace's and instead of the default", async () => {
      const [ci, other] = [asRobot('ci'), asRobot('other')];
      expect(await ci.send(REQUESTS.manifestRead('team/app'))).toMatchObject({
        status: 404,
        limit: ROBOT_OVERRIDE.burst,
        remaining: ROBOT_OVERRIDE.burst - 1,
      });
      // An account's override is one budget wherever it reads, in its namespace or not.
      expect(await ci.send({ method: 'GET', path: '/v2/' })).toMatchObject({
        status: 200,
        limit: ROBOT_OVERRIDE.burst,
        remaining: ROBOT_OVERRIDE.burst - 2,
      });
      await ci.exhaust(ROBOT_OVERRIDE.burst - 2, REQUESTS.manifestRead('team/app'));
      expect(await ci.send(REQUESTS.write('team/app'))).toMatchObject({ status: 202, limit: WRITES.burst });
      expect(await other.send(REQUESTS.manifestRead('team/app'))).toMatchObject({
        status: 404,
        limit: NAMESPACE_OVERRIDE.burst,
        remaining: NAMESPACE_OVERRIDE.burst - 1,
      });
      expect(await other.send({ method: 'GET', path: '/v2/' })).toMatchObject({
        status: 200,
        limit: MANIFEST_READS.burst,
        remaining: MANIFEST_READS.burst - 1,
      });
    });
  },
  {
    ...authOverrides(signing.privatePem),
    ...rateLimits([
      { namespace: 'team', class: 'manifestReads', limit: NAMESPACE_OVERRIDE },
      { account: 'team+ci', class: 'manifestReads', limit: ROBOT_OVERRIDE },
    ]),
  },
);
