import { randomBlob, sha256, uniqueRepo, OciClient, type TestImage } from '../support/oci-client';
import { AdminClient, ADMIN, authOverrides, basic, ecKeyPair, loginStatus } from '../support/access-setup';
import { delta, Scrape } from '../support/prometheus';
import { documentedMetrics } from '../support/readme-metrics';
import { describeEachFlavor } from '../support/test-registry';

const UPLOADS = '/v2/:name/blobs/uploads/';
const UPLOAD = '/v2/:name/blobs/uploads/:uploadId';
const BLOB = '/v2/:name/blobs/:digest';
const MANIFEST = '/v2/:name/manifests/:reference';

const op = (backend: string, operation: string) => ({ backend, operation });
const OPERATION_COUNT = 'berth_backend_operation_duration_seconds_count';

// Pulls are streamed through the process on both flavors, so the pull metrics see them.
describeEachFlavor(
  'Prometheus metrics',
  (registry) => {
    let client: OciClient;
    const scrape = () => Scrape.of(registry().url);
    const scrapeWhen = (settled: (scraped: Scrape) => boolean) => Scrape.when(registry().url, settled);
    beforeAll(() => {
      client = new OciClient(registry().url);
    });

    it('exposes every metric the README documents', async () => {
      const scraped = await scrape();
      for (const [name, type] of documentedMetrics())
        expect([name, scraped.typeOf(name)]).toEqual([name, type]);
    });

    describe('after a push and a pull', () => {
      const name = uniqueRepo();
      let image: TestImage;
      let blobBytes: number;
      let afterPush: Scrape;
      let beforePush: Scrape;
      let afterPull: Scrape;
      beforeAll(async () => {
        beforePush = await scrape();
        image = await client.pushImage(name, 'v1', { layers: [randomBlob(300_000), randomBlob(5_000)] });
        blobBytes = image.config.length + image.layers.reduce((sum, layer) => sum + layer.length, 0);
        afterPush = await scrapeWhen(
          (scraped) =>
            delta(beforePush, scraped, 'berth_http_requests_total', { route: MANIFEST, method: 'PUT' }) === 1,
        );
        const manifest = await client.request('GET', `/v2/${name}/manifests/v1`);
        expect(Buffer.from(await manifest.arrayBuffer()).equals(image.manifest)).toBe(true);
        for (const blob of [image.config, ...image.layers]) {
          const res = await client.request('GET', `/v2/${name}/blobs/${sha256(blob)}`);
          expect((await res.arrayBuffer()).byteLength).toBe(blob.length);
        }
        afterPull = await scrapeWhen(
          (scraped) =>
            delta(afterPush, scraped, 'berth_blob_pull_size_bytes_count') === 3 &&
            delta(afterPush, scraped, 'berth_http_requests_total', { route: BLOB, method: 'GET' }) === 3,
        );
      });

      it('counts the requests and their body bytes by route template', () => {
        const pushed = (name: string, labels: Record<string, string>) =>
          delta(beforePush, afterPush, name, labels);
        expect(pushed('berth_http_requests_total', { route: UPLOADS, method: 'POST', status: '201' })).toBe(
          3,
        );
        expect(pushed('berth_http_requests_total', { route: MANIFEST, method: 'PUT', status: '201' })).toBe(
          1,
        );
        expect(pushed('berth_http_request_body_bytes_total', { route: UPLOADS, method: 'POST' })).toBe(
          blobBytes,
        );
        expect(pushed('berth_http_request_body_bytes_total', { route: MANIFEST, method: 'PUT' })).toBe(
          image.manifest.length,
        );
        expect(pushed('berth_http_request_duration_seconds_count', { route: UPLOADS, method: 'POST' })).toBe(
          3,
        );

        const pulled = (name: string, labels: Record<string, string>) =>
          delta(afterPush, afterPull, name, labels);
        expect(
          pulled('berth_http_response_body_bytes_total', { route: BLOB, method: 'GET' }),
        ).toBeGreaterThanOrEqual(blobBytes);
        expect(pulled('berth_http_response_body_bytes_total', { route: MANIFEST, method: 'GET' })).toBe(
          image.manifest.length,
        );
        expect(pulled('berth_http_request_body_bytes_total', {})).toBe(0);
        // Scrapes are counted under their own path.
        expect(
          pulled('berth_http_requests_total', { route: '/metrics', method: 'GET', status: '200' }),
        ).toBeGreaterThanOrEqual(1);
      });

      it('measures each blob upload and each streamed pull', () => {
        const store = registry().config.blobs.driver;
        const pushed = (name: string) => delta(beforePush, afterPush, name, { store });
        expect(delta(beforePush, afterPush, 'berth_blob_bytes_received_total')).toBe(blobBytes);
        expect(pushed('berth_blob_upload_size_bytes_count')).toBe(3);
        expect(pushed('berth_blob_upload_size_bytes_sum')).toBe(blobBytes);
        expect(pushed('berth_blob_upload_duration_seconds_count')).toBe(3);
        expect(pushed('berth_blob_upload_duration_seconds_sum')).toBeGreaterThanOrEqual(0);
        // Blobs pushed in one request each open no session.
        expect(delta(beforePush, afterPush, 'berth_upload_sessions_started_total')).toBe(0);
        expect(delta(beforePush, afterPush, 'berth_upload_sessions_ended_total')).toBe(0);

        const pulled = (name: string) => delta(afterPush, afterPull, name, { store });
        expect(delta(afterPush, afterPull, 'berth_blob_bytes_sent_total')).toBe(blobBytes);
        expect(pulled('berth_blob_pull_size_bytes_count')).toBe(3);
        expect(pulled('berth_blob_pull_size_bytes_sum')).toBe(blobBytes);
        expect(pulled('berth_blob_pull_duration_seconds_count')).toBe(3);
        expect(pulled('berth_blob_pull_duration_seconds_sum')).toBeGreaterThan(0);
      });

      it('times every backend operation the push and the pull caused', () => {
        const pushed = (labels: Record<string, string>) =>
          delta(beforePush, afterPush, OPERATION_COUNT, labels);
        // Three monolithic uploads: no session, no lock, no resumable write; the bytes are put
        // straight to their object and the blob is recorded.
        expect(pushed(op('blobs', 'put'))).toBe(3);
        for (const operation of ['startWrite', 'append', 'commitWrite', 'abortWrite'])
          expect([operation, pushed(op('blobs', operation))]).toEqual([operation, 0]);
        // (Locks are left out: background workers take leases at any time.)
        for (const operation of ['create', 'compareAndSet', 'delete'])
          expect([operation, pushed(op('coordinator', operation))]).toEqual([operation, 0]);
        expect(pushed(op('metadata', 'addBlob'))).toBe(3);
        expect(pushed(op('metadata', 'putManifest'))).toBe(1);
        expect(pushed(op('blobs', 'read'))).toBe(0);

        const pulled = (labels: Record<string, string>) =>
          delta(afterPush, afterPull, OPERATION_COUNT, labels);
        expect(pulled(op('metadata', 'findManifestByTag'))).toBe(1);
        expect(pulled(op('metadata', 'findRepositoryBlob'))).toBe(3);
        expect(pulled(op('blobs', 'read'))).toBe(3);
        expect(pulled(op('blobs', 'append'))).toBe(0);

        for (const scraped of [afterPush, afterPull]) {
          // Error counts exist from the start, at 0 while nothing failed.
          expect(scraped.has('berth_backend_operation_errors_total', op('blobs', 'read'))).toBe(true);
          expect(scraped.value('berth_backend_operation_errors_total', op('metadata', 'addBlob'))).toBe(0);
          const seconds = scraped.value('berth_backend_operation_duration_seconds_sum', op('blobs', 'put'));
          expect(seconds).toBeGreaterThan(0);
        }
      });
    });

    it('counts upload sessions as they start and end', async () => {
      const before = await scrape();
      const started = await client.request('POST', `/v2/${uniqueRepo()}/blobs/uploads/`);
      expect(started.status).toBe(202);
      const during = await scrape();
      expect(delta(before, during, 'berth_upload_sessions_started_total')).toBe(1);
      expect(delta(before, during, 'berth_upload_sessions_ended_total')).toBe(0);
      const location = started.headers.get('location') as string;
      expect((await client.request('DELETE', location)).status).toBe(204);
      const after = await scrapeWhen(
        (scraped) =>
          delta(before, scraped, 'berth_http_requests_total', { route: UPLOAD, method: 'DELETE' }) > 0,
      );
      expect(delta(before, after, 'berth_upload_sessions_started_total')).toBe(1);
      expect(delta(before, after, 'berth_upload_sessions_ended_total')).toBe(1);
      expect(delta(before, after, 'berth_http_requests_total', { route: UPLOAD, method: 'DELETE' })).toBe(1);
    });

    it('serves the Node.js process metrics', async () => {
      const scraped = await scrape();
      expect(scraped.value('berth_process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect(scraped.value('berth_nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
      expect(scraped.has('berth_nodejs_version_info', { version: process.version })).toBe(true);
    });
  },
  { blobs: { redirect: false } },
);

const signing = ecKeyPair();
const CAROL = { username: 'carol', password: 'carol-password-1' };

describeEachFlavor(
  'Prometheus metrics of access control',
  (registry) => {
    const scrape = () => Scrape.of(registry().url);
    let admin: AdminClient;
    beforeAll(async () => {
      admin = new AdminClient(registry().url);
      await admin.createUser(CAROL.username, CAROL.password);
    });

    it('counts failed logins and the verified-credentials cache', async () => {
      const before = await scrape();
      expect(await loginStatus(registry().url, CAROL)).toBe(200);
      expect(await loginStatus(registry().url, CAROL)).toBe(200);
      expect(await loginStatus(registry().url, { ...CAROL, password: 'not-her-password' })).toBe(401);
      const after = await Scrape.when(
        registry().url,
        (scraped) => delta(before, scraped, 'berth_http_requests_total', { route: '/auth/token' }) === 3,
      );
      const cache = (result: string) =>
        delta(before, after, 'berth_cache_requests_total', { cache: 'verified_credentials', result });
      // Her first login and the wrong password miss; her second login finds the first one's check.
      expect(cache('miss')).toBe(2);
      expect(cache('hit')).toBe(1);
      expect(delta(before, after, 'berth_failed_logins_total')).toBe(1);
      expect(delta(before, after, 'berth_http_requests_total', { route: '/auth/token', method: 'GET' })).toBe(
        3,
      );
    });

    it('counts rate-limit rejections by request class', async () => {
      const before = await scrape();
      const path = `/v2/${uniqueRepo()}/manifests/latest`;
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await fetch(new URL(path, registry().url), {
          headers: { Authorization: basic(ADMIN.username, ADMIN.password) },
        });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([404, 429, 429]);
      const after = await scrape();
      const rejected = (requestClass: string) =>
        delta(before, after, 'berth_rate_limit_rejections_total', { class: requestClass });
      expect(rejected('manifestReads')).toBe(2);
      expect(rejected('blobReads')).toBe(0);
      expect(after.has('berth_rate_limit_rejections_total', { class: 'writes' })).toBe(true);
    });

    it('labels admin API requests with their route', async () => {
      const scraped = await scrape();
      expect(scraped.value('berth_http_requests_total', { route: '/admin/v1/users', method: 'POST' })).toBe(
        1,
      );
      expect(
        scraped.value('berth_http_request_body_bytes_total', { route: '/admin/v1/users' }),
      ).toBeGreaterThan(0);
    });
  },
  {
    ...authOverrides(signing.privatePem),
    // One manifest read per account, nearly never refilled.
    rateLimits: { enabled: true, defaults: { manifestReads: { perSecond: 0.001, burst: 1 } } },
  },
);
