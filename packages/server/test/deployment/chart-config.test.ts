import { parse } from 'yaml';
import { CHART, chartValues, loadChartConfig } from './support/chart';
import { readRepoFile } from './support/repo';
import { mergeValues, valueAt, type Tree } from './support/tree';
import { valuesReferences } from './support/values-refs';

function ciValues(name: string): Tree {
  return mergeValues(chartValues(), parse(readRepoFile(`${CHART}/ci/${name}`))) as Tree;
}

// The configuration file plus the env entries both Deployments share (the berth.env helper), so
// a pod that stopped passing a backend's URL, or passed it under another name, fails here.
describe("the chart's pods load a valid configuration", () => {
  it('with the stateless CI values: S3, and PostgreSQL and Redis URLs from the Secret', () => {
    const values = ciValues('stateless-values.yaml');
    const config = loadChartConfig(values);
    expect(config.blobs).toMatchObject({ driver: 's3', s3: { bucket: 'berth-blobs', region: 'eu-west-1' } });
    expect(config.metadata).toMatchObject({
      driver: 'postgres',
      postgres: { url: valueAt(values, ['secrets', 'postgresUrl']) },
    });
    expect(config.coordinator).toMatchObject({
      driver: 'redis',
      redis: { url: valueAt(values, ['secrets', 'redisUrl']) },
    });
    expect(config.auth).toMatchObject({ enabled: true, signingKey: { file: '/etc/berth/keys/signing.pem' } });
    expect(config.http).toMatchObject({ host: '0.0.0.0', port: values.containerPort });
  });

  it('with the workers and the upload janitor interval set in values', () => {
    const defaults = loadChartConfig(ciValues('stateless-values.yaml'));
    expect(defaults.http.workers).toBe(valueAt(chartValues(), ['config', 'http', 'workers']));
    expect(defaults.uploads.janitorIntervalSeconds).toBe(
      valueAt(chartValues(), ['config', 'uploads', 'janitorIntervalSeconds']),
    );
    const set = mergeValues(ciValues('stateless-values.yaml'), {
      config: { http: { workers: 4 }, uploads: { janitorIntervalSeconds: 0 } },
    }) as Tree;
    expect(loadChartConfig(set)).toMatchObject({
      http: { workers: 4 },
      uploads: { janitorIntervalSeconds: 0 },
    });
  });

  it('refusing more than one worker without PostgreSQL and Redis, as the chart does', () => {
    // berth.validate fails the render on the same rule, before a pod could crash on it.
    const embedded = mergeValues(ciValues('embedded-values.yaml'), {
      config: { http: { workers: 2 } },
    }) as Tree;
    expect(() => loadChartConfig(embedded)).toThrow(/workers/);
    const validated = valuesReferences(readRepoFile(`${CHART}/templates/_helpers.tpl`));
    expect(validated.map((ref) => ref.path.join('.'))).toContain('config.http.workers');
  });

  it('with the embedded CI values', () => {
    const config = loadChartConfig(ciValues('embedded-values.yaml'));
    expect([config.blobs.driver, config.metadata.driver, config.coordinator.driver]).toEqual([
      'filesystem',
      'pglite',
      'memory',
    ]);
  });
});
