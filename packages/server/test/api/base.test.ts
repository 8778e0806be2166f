import { describeEachFlavor } from '../support/test-registry';
import { OciClient, errorCodeOf, uniqueRepo } from '../support/oci-client';

describeEachFlavor('base endpoint, health and metrics', (registry) => {
  let client: OciClient;
  beforeAll(() => {
    client = new OciClient(registry().url);
  });

  it('answers GET /v2/ with the API version header', async () => {
    const res = await client.request('GET', '/v2/');
    expect(res.status).toBe(200);
    expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
    expect(await res.json()).toEqual({});
  });

  it('answers unknown endpoints and methods with the error body', async () => {
    const unknown = await client.request('GET', '/v2/x/unknown/thing');
    expect(unknown.status).toBe(404);
    expect(await errorCodeOf(unknown)).toBe('NOT_FOUND');
    const method = await client.request('POST', `/v2/${uniqueRepo()}/manifests/latest`);
    expect(method.status).toBe(405);
    expect(method.headers.get('allow')).toContain('PUT');
    expect(await errorCodeOf(method)).toBe('METHOD_UNKNOWN');
  });

  it('is live and ready when every backend answers', async () => {
    expect((await client.request('GET', '/healthz')).status).toBe(200);
    const ready = await client.request('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { blobs: 'ok', metadata: 'ok', coordinator: 'ok' },
    });
  });

  it('exposes request, byte and upload metrics by route template', async () => {
    const name = uniqueRepo();
    await client.pushImage(name, 'v1');
    await client.request('GET', `/v2/${name}/manifests/v1`);
    const res = await client.request('GET', '/metrics');
    const text = await res.text();
    expect(text).toMatch(
      /berth_http_requests_total\{route="\/v2\/:name\/manifests\/:reference",method="GET",status="200"\} [1-9]/,
    );
    expect(text).toMatch(
      /berth_http_request_duration_seconds_bucket\{le="0.005",route="\/v2\/:name\/blobs\/uploads\/"/,
    );
    expect(text).toMatch(/berth_blob_bytes_received_total [1-9]/);
    expect(text).toMatch(/^berth_upload_sessions_started_total \d+$/m);
    expect(text).not.toContain(name);
  });
});
