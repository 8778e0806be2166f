import { parse } from 'yaml';
import { CHART, chartValues, loadChartConfig } from './support/chart';
import { readRepoFile } from './support/repo';
import { mergeValues, valueAt, type Tree } from './support/tree';

function ciValues(name: string): Tree {
  return mergeValues(chartValues(), parse(readRepoFile(`${CHART}/ci/${name}`))) as Tree;
}

// The configuration file plus the env entries of deployment.yaml, so a Deployment that stopped
// passing a backend's URL, or passed it under another name, fails here.
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

  it('with the embedded CI values', () => {
    const config = loadChartConfig(ciValues('embedded-values.yaml'));
    expect([config.blobs.driver, config.metadata.driver, config.coordinator.driver]).toEqual([
      'filesystem',
      'pglite',
      'memory',
    ]);
  });
});
