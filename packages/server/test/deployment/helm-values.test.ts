import { parse } from 'yaml';
import { CHART, chartValues } from './support/chart';
import { schemaProblems } from './support/chart-schema';
import { readRepoFile, repoFiles } from './support/repo';
import { mergeValues } from './support/tree';

describe('Helm chart values', () => {
  it('values.yaml validates against values.schema.json', () => {
    expect(schemaProblems(chartValues())).toEqual([]);
  });

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
