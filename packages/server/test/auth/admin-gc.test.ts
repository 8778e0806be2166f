import {
  errorCodeOf,
  OCI_CONFIG,
  OCI_LAYER,
  OCI_MANIFEST,
  randomBlob,
  sha256,
  uniqueRepo,
} from '../support/oci-client';
import { ADMIN, AdminClient, authOverrides, basic, ecKeyPair, tokenFor } from '../support/access-setup';
import { describeEachFlavor, type TestRegistry } from '../support/test-registry';

const signing = ecKeyPair();
const OPERATOR = { username: 'operator', password: 'operator-password-1' };
const USER = { username: 'carl', password: 'carl-password-12' };
const NAMESPACE_ADMIN = { username: 'nadia', password: 'nadia-password-1' };
// A global admin who may start one run, then none for a long while: its budget of writes.
const THRIFTY = { username: 'thrifty', password: 'thrifty-password-1' };
const ONE_RUN = { perSecond: 0.001, burst: 1 };
const PLENTY = { perSecond: 1_000, burst: 10_000 };

interface DryRun {
  repositories: {
    repository: string;
    manifests: { digest: string; size: number }[];
    links: { digest: string; size: number }[];
    bytes: number;
  }[];
  blobs: { digest: string; size: number }[];
  totals: {
    manifests: number;
    manifestBytes: number;
    links: number;
    linkBytes: number;
    blobs: number;
    blobBytes: number;
  };
}

interface RunReport {
  startedAt: string;
  endedAt: string;
  seconds: number;
  manifestsDeleted: number;
  linksRemoved: number;
  blobsReclaimed: number;
  bytesReclaimed: number;
  objectDeleteFailures: number;
  remaining: { manifestsDue: number; linksDue: number; blobsDue: number };
}

const byDigest = (a: { digest: string }, b: { digest: string }) => (a.digest < b.digest ? -1 : 1);

describeEachFlavor(
  'admin API: garbage collection',
  (started) => {
    let registry: TestRegistry;
    let admin: AdminClient;
    const asAdmin = { Authorization: basic(ADMIN.username, ADMIN.password) };

    beforeAll(async () => {
      registry = started();
      admin = new AdminClient(registry.url);
      await admin.createUser(OPERATOR.username, OPERATOR.password, true);
      await admin.createUser(THRIFTY.username, THRIFTY.password, true);
      await admin.createUser(USER.username, USER.password);
      await admin.createUser(NAMESPACE_ADMIN.username, NAMESPACE_ADMIN.password);
      await admin.createNamespace('gc-team');
      await admin.setMember('gc-team', NAMESPACE_ADMIN.username, 'admin');
      // Whatever earlier tests left due goes first, so that each test sees its own.
      await admin.expect(200, 'POST', '/gc/runs');
    });

    const v2 = (
      method: string,
      path: string,
      init: { headers?: Record<string, string>; body?: Buffer } = {},
    ) =>
      fetch(new URL(path, registry.url), {
        method,
        redirect: 'manual',
        headers: { ...asAdmin, ...init.headers },
        ...(init.body ? { body: init.body } : {}),
      });

    async function pushBlob(repository: string, data: Buffer): Promise<{ digest: string; size: number }> {
      const digest = sha256(data);
      const res = await v2('POST', `/v2/${repository}/blobs/uploads/?digest=${digest}`, {
        headers: { 'Content-Type': 'application/octet-stream' },
        body: data,
      });
      expect(res.status).toBe(201);
      return { digest, size: data.length };
    }

    /** Pushes an image whose blobs nothing else uses, then deletes its manifest. */
    async function pushAndDeleteImage(repository: string) {
      const config = await pushBlob(
        repository,
        Buffer.from(JSON.stringify({ os: 'linux', nonce: sha256(repository) })),
      );
      const layer = await pushBlob(repository, randomBlob(3000));
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: OCI_CONFIG, ...config },
          layers: [{ mediaType: OCI_LAYER, ...layer }],
        }),
      );
      const put = await v2('PUT', `/v2/${repository}/manifests/v1`, {
        headers: { 'Content-Type': OCI_MANIFEST },
        body: manifest,
      });
      expect(put.status).toBe(201);
      expect((await v2('DELETE', `/v2/${repository}/manifests/${sha256(manifest)}`)).status).toBe(202);
      return [config, layer];
    }

    async function storageKeyOf(digest: string): Promise<string> {
      const record = await registry.running.registry.backends.metadata.findBlob(digest);
      if (!record) throw new Error(`no record of ${digest}`);
      return record.storageKey;
    }

    async function stored(key: string): Promise<boolean> {
      return (await registry.listBlobStorage()).some((path) => path.endsWith(key));
    }

    it('shows the queues, the review timing and what this process last collected', async () => {
      expect(await admin.expect(200, 'GET', '/gc')).toEqual({
        at: expect.any(String),
        timing: { reviewDelaySeconds: 0, reviewJitterSeconds: 0 },
        untaggedManifests: false,
        manifests: { queued: 0, due: 0 },
        links: { queued: 0, due: 0 },
        blobs: { queued: 0, due: 0, dueBytes: 0 },
        progress: { reviewsPerSecond: expect.any(Number), etaSeconds: 0 },
        worker: { intervalSeconds: 0, lastRun: expect.objectContaining({ outcome: 'done' }) },
      });
      await pushBlob(uniqueRepo('gc-status'), randomBlob(700));
      const { links } = (await admin.expect(200, 'GET', '/gc')) as { links: Record<string, unknown> };
      expect(links).toEqual({
        queued: 1,
        due: 1,
        oldestDueAt: expect.any(String),
        overdueSeconds: expect.any(Number),
      });
      await admin.expect(200, 'POST', '/gc/runs');
    });

    it('previews a run, which then removes exactly that, from the database and from storage', async () => {
      const orphanRepository = uniqueRepo('gc-orphan');
      const imageRepository = uniqueRepo('gc-image');
      const orphan = await pushBlob(orphanRepository, randomBlob(4096));
      const image = await pushAndDeleteImage(imageRepository);
      const keys = await Promise.all([orphan, ...image].map(({ digest }) => storageKeyOf(digest)));

      const dryRun = (await admin.expect(200, 'GET', '/gc/dry-run')) as DryRun;
      const expectedRepositories = [
        { repository: orphanRepository, manifests: [], links: [orphan], bytes: orphan.size },
        {
          repository: imageRepository,
          manifests: [],
          links: [...image].sort(byDigest),
          bytes: image.reduce((sum, blob) => sum + blob.size, 0),
        },
      ].sort((a, b) => (a.repository < b.repository ? -1 : 1));
      const bytes = orphan.size + image.reduce((sum, blob) => sum + blob.size, 0);
      expect(dryRun).toEqual({
        at: expect.any(String),
        repositories: expectedRepositories,
        blobs: [orphan, ...image].sort(byDigest),
        totals: { manifests: 0, manifestBytes: 0, links: 3, linkBytes: bytes, blobs: 3, blobBytes: bytes },
      });
      // Previewing changed nothing.
      expect(await admin.expect(200, 'GET', '/gc/dry-run')).toEqual({ ...dryRun, at: expect.any(String) });
      for (const key of keys) expect(await stored(key)).toBe(true);

      const run = (await admin.expect(200, 'POST', '/gc/runs')) as RunReport;
      expect(run).toEqual({
        startedAt: expect.any(String),
        endedAt: expect.any(String),
        seconds: expect.any(Number),
        manifestsDeleted: 0,
        linksRemoved: dryRun.totals.links,
        blobsReclaimed: dryRun.totals.blobs,
        bytesReclaimed: dryRun.totals.blobBytes,
        objectDeleteFailures: 0,
        remaining: { manifestsDue: 0, linksDue: 0, blobsDue: 0 },
      });
      for (const key of keys) expect(await stored(key)).toBe(false);
      for (const { digest } of image) {
        expect((await v2('HEAD', `/v2/${imageRepository}/blobs/${digest}`)).status).toBe(404);
      }
      expect(await admin.expect(200, 'GET', '/gc/dry-run')).toMatchObject({ repositories: [], blobs: [] });
      const { worker } = (await admin.expect(200, 'GET', '/gc')) as { worker: { lastRun: unknown } };
      expect(worker.lastRun).toEqual({
        startedAt: run.startedAt,
        endedAt: run.endedAt,
        seconds: run.seconds,
        outcome: 'done',
        manifestsDeleted: 0,
        linksRemoved: 3,
        blobsReclaimed: 3,
        bytesReclaimed: bytes,
        objectDeleteFailures: 0,
      });
    });

    it('is for global admins only: others are refused, and nothing runs for them', async () => {
      const repository = 'gc-team/app';
      const waiting = await pushBlob(repository, randomBlob(512));
      const robot = await admin.createRobot('gc-team', 'ci', ['pull', 'push', 'delete']);
      const refused = [
        new AdminClient(registry.url, USER),
        new AdminClient(registry.url, NAMESPACE_ADMIN),
        new AdminClient(registry.url, { username: robot.account, password: robot.secret }),
      ];
      for (const client of refused) {
        await client.expectError(403, 'DENIED', 'GET', '/gc');
        await client.expectError(403, 'DENIED', 'GET', '/gc/dry-run');
        await client.expectError(403, 'DENIED', 'POST', '/gc/runs');
      }
      const adminToken = await tokenFor(registry.url, [], ADMIN);
      for (const headers of [{}, { Authorization: `Bearer ${adminToken}` }]) {
        const res = await fetch(new URL('/admin/v1/gc/runs', registry.url), { method: 'POST', headers });
        expect(res.status).toBe(401);
        expect(await errorCodeOf(res)).toBe('UNAUTHORIZED');
        expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      }
      expect((await v2('HEAD', `/v2/${repository}/blobs/${waiting.digest}`)).status).toBe(200);
      // Another global admin may.
      expect(await new AdminClient(registry.url, OPERATOR).expect(200, 'POST', '/gc/runs')).toMatchObject({
        linksRemoved: 1,
        blobsReclaimed: 1,
      });
    });

    it('spends the rate limit its routes declare: reads for status and dry run, writes for a run', async () => {
      const thrifty = new AdminClient(registry.url, THRIFTY);
      const first = await thrifty.call('POST', '/gc/runs');
      expect(first.status).toBe(200);
      expect([first.headers.get('ratelimit-limit'), first.headers.get('ratelimit-remaining')]).toEqual([
        '1',
        '0',
      ]);
      const second = await thrifty.expectError(429, 'TOOMANYREQUESTS', 'POST', '/gc/runs');
      expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      for (const path of ['/gc', '/gc/dry-run']) {
        const read = await thrifty.call('GET', path);
        expect(read.status).toBe(200);
        expect(read.headers.get('ratelimit-limit')).toBe(String(PLENTY.burst));
      }
    });

    it('labels its requests in the metrics with their route templates', async () => {
      const text = await (await fetch(new URL('/metrics', registry.url))).text();
      for (const [route, method] of [
        ['/admin/v1/gc', 'GET'],
        ['/admin/v1/gc/dry-run', 'GET'],
        ['/admin/v1/gc/runs', 'POST'],
      ]) {
        expect(text).toContain(`berth_http_requests_total{route="${route}",method="${method}",status="200"}`);
      }
    });

    it('answers 404 NOT_FOUND for methods its routes do not declare', async () => {
      for (const [method, path] of [
        ['DELETE', '/gc'],
        ['POST', '/gc'],
        ['POST', '/gc/dry-run'],
        ['GET', '/gc/runs'],
        ['GET', '/gc/nothing'],
      ] as const) {
        await admin.expectError(404, 'NOT_FOUND', method, path);
      }
    });
  },
  {
    ...authOverrides(signing.privatePem, { failedLogins: { perSecond: 100, burst: 1000 } }),
    // Due at once, collected only when asked.
    gc: { reviewDelaySeconds: 0, reviewJitterSeconds: 0, intervalSeconds: 0 },
    rateLimits: {
      enabled: true,
      defaults: { manifestReads: PLENTY, blobReads: PLENTY, writes: PLENTY },
      overrides: [{ account: THRIFTY.username, class: 'writes', limit: ONE_RUN }],
    },
  },
);
