import { RegistryMetrics } from '../../src/observability/registry-metrics';
import { documentedMetrics } from '../support/readme-metrics';

describe('metrics documentation', () => {
  const documented = documentedMetrics();
  const registered = new RegistryMetrics({ blobStore: 'filesystem' }).registry.getMetricsAsArray();

  it.each(registered.map((metric) => [metric.name, metric.type]))(
    'documents %s as a %s in the README',
    (name, type) => {
      expect(documented.get(name)).toBe(type);
    },
  );

  it('documents no metric the registry does not have', () => {
    const names = new Set(registered.map((metric) => metric.name));
    expect([...documented.keys()].filter((name) => !names.has(name))).toEqual([]);
  });
});
