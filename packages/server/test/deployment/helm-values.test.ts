import { parse } from 'yaml';
import { envNameOf } from '@berth/server';
import { CHART, chartValues, deploymentEnv } from './support/chart';
import { CHART_SETTINGS, chartConfigSchema } from './support/chart-config-schema';
import { schemaProblems } from './support/chart-schema';
import { readRepoFile, repoFiles } from './support/repo';
import { mergeValues } from './support/tree';

describe('Helm chart values', () => {
  it('values.yaml validates against values.schema.json', () => {
    expect(schemaProblems(chartValues())).toEqual([]);
  });

  it("values.schema.json checks config with Berth's own configuration schema", () => {
    // On failure: `npm run build && node -r esbuild-register scripts/generate-helm-schema.ts`.
    const committed = JSON.parse(readRepoFile(`${CHART}/values.schema.json`)) as {
      properties: { config: unknown };
    };
    expect(committed.properties.config).toEqual(chartConfigSchema());
  });

  it.each([
    ['an S3 part size the S3 adapter refuses', { config: { blobs: { s3: { partSize: 2 * 1024 ** 3 } } } }],
    ['a misspelt setting', { config: { http: { prot: 5000 } } }],
    [
      'a misspelt key of a list item',
      {
        config: {
          auth: { externalIssuers: [{ issuer: 'a', audience: 'b', jwksUrl: 'https://a/jwks', isuer: 'a' }] },
        },
      },
    ],
    ['the s3 driver without a bucket', { config: { blobs: { driver: 's3' } } }],
    ['a boolean as a word', { config: { auth: { enabled: 'false' } } }],
    [
      'credentials in the ConfigMap',
      { config: { metadata: { postgres: { url: 'postgres://u:p@db/berth' } } } },
    ],
  ])('the schema refuses %s, as Berth does', (_case, values) => {
    expect(schemaProblems(mergeValues(chartValues(), values))).not.toEqual([]);
  });

  it.each(Object.keys(CHART_SETTINGS))(
    'leaves out %s, which the Deployment gives Berth itself',
    (setting) => {
      const variable = envNameOf(setting.split('.'));
      expect(deploymentEnv().map((entry) => entry.name)).toContainEqual(
        expect.stringMatching(`^${variable}`),
      );
    },
  );

  // The CI values are what the chart is rendered with besides its defaults; Helm merges, then validates.
  it.each(repoFiles(`${CHART}/ci`, (name) => name.endsWith('.yaml')))(
    'values.yaml overridden by %s validates',
    (file) => {
      expect(schemaProblems(mergeValues(chartValues(), parse(readRepoFile(file))))).toEqual([]);
    },
  );

  it('the schema refuses values the chart cannot render', () => {
    // Without this, a schema that accepted anything would pass the tests above.
    expect(schemaProblems(mergeValues(chartValues(), { config: { blobs: { driver: 'gcs' } } }))).not.toEqual(
      [],
    );
    expect(schemaProblems(mergeValues(chartValues(), { confg: {} }))).not.toEqual([]);
  });

  it.each([
    ['config.http.workers', { config: { http: { workers: 4 } } }, { config: { http: { workers: 0 } } }],
    [
      'config.uploads.janitorIntervalSeconds',
      { config: { uploads: { janitorIntervalSeconds: 0 } } },
      { config: { uploads: { janitorIntervalSeconds: -1 } } },
    ],
    [
      'grafanaDashboard',
      {
        grafanaDashboard: {
          enabled: true,
          labelKey: 'grafana.example.com/dashboard',
          labelValue: 1,
          namespace: 'monitoring',
          annotations: { grafana_folder: 'Berth' },
        },
      },
      { grafanaDashboard: { labelKey: 'not a label' } },
    ],
    [
      'grafanaDashboard.labelValue',
      { grafanaDashboard: { labelValue: 'true' } },
      { grafanaDashboard: { labelValue: '1 ' } },
    ],
    [
      'grafanaDashboard.namespace',
      { grafanaDashboard: { namespace: '' } },
      { grafanaDashboard: { namespce: 'x' } },
    ],
  ])('the schema takes a valid %s and refuses an invalid one', (_name, valid, invalid) => {
    expect(schemaProblems(mergeValues(chartValues(), valid))).toEqual([]);
    expect(schemaProblems(mergeValues(chartValues(), invalid))).not.toEqual([]);
  });
});
