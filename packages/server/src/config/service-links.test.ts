import { isServiceLink } from './service-links';

describe('Kubernetes service link variables', () => {
  it.each([
    ['BERTH_SERVICE_HOST', '10.96.0.12'],
    ['BERTH_SERVICE_PORT', '5000'],
    ['BERTH_SERVICE_PORT_HTTP', '5000'],
    ['BERTH_PORT', 'tcp://10.96.0.12:5000'],
    ['BERTH_PORT_5000_TCP', 'tcp://10.96.0.12:5000'],
    ['BERTH_PORT_5000_TCP_PROTO', 'tcp'],
    ['BERTH_PORT_5000_TCP_PORT', '5000'],
    ['BERTH_PORT_5000_TCP_ADDR', '10.96.0.12'],
    ['BERTH_METRICS_SERVICE_HOST', '10.96.0.13'],
    ['BERTH_METRICS_PORT_9090_UDP', 'udp://10.96.0.13:9090'],
    ['BERTH_REDIS_MASTER_PORT', 'tcp://[fd00:10:96::d]:6379'],
    ['BERTH_REDIS_MASTER_SERVICE_HOST', 'fd00:10:96::d'],
  ])('%s=%s is one', (name, value) => {
    expect(isServiceLink(name, value)).toBe(true);
  });

  it.each([
    ['BERTH_HTP_PORT', '6000'],
    ['BERTH_SERVICE_HOST', 'registry.example.com'],
    ['BERTH_SERVICE_PORT', 'http'],
    ['BERTH_PORT_5000_TCP_PROTO', 'http'],
    ['BERTH_HTTP_PROT', 'tcp://10.96.0.12:5000'],
    ['OTHER_SERVICE_HOST', '10.96.0.12'],
  ])('%s=%s is not', (name, value) => {
    expect(isServiceLink(name, value)).toBe(false);
  });
});
