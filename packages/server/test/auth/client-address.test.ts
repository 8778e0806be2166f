import { OciClient } from '../support/oci-client';
import { startTestRegistry, type TestRegistry } from '../support/test-registry';

// Anonymous callers are counted by address; behind a trusted proxy that address comes from
// X-Forwarded-For, and without one the header is ignored so clients cannot pick their budget.
describe.each([
  [1, 'believes X-Forwarded-For from one trusted proxy'],
  [0, 'ignores X-Forwarded-For without trusted proxies'],
])('client address with trustedProxyHops %i', (hops, title) => {
  let registry: TestRegistry;

  beforeAll(async () => {
    registry = await startTestRegistry('embedded', {
      http: { trustedProxyHops: hops },
      rateLimits: { enabled: true, defaults: { manifestReads: { perSecond: 0.01, burst: 2 } } },
    });
  }, 120_000);
  afterAll(() => registry.stop());

  it(title, async () => {
    const client = new OciClient(registry.url);
    const remaining = async (address: string) => {
      const res = await client.request('GET', '/v2/', { headers: { 'X-Forwarded-For': address } });
      return res.headers.get('ratelimit-remaining');
    };
    expect(await remaining('203.0.113.7')).toBe('1');
    // Another client behind the same proxy has a budget of its own only if the proxy is trusted.
    expect(await remaining('203.0.113.8')).toBe(hops > 0 ? '1' : '0');
  });
});
