import { CHART, chartValues, manifestTemplates, templateFiles } from './support/chart';
import { readRepoFile } from './support/repo';
import { definitionsOf, documentsOf, stripTemplate, variantsOf, yamlProblems } from './support/template-yaml';
import { lookup } from './support/tree';
import { valuesReferences } from './support/values-refs';

/**
 * `.Values` paths templates may read although values.yaml does not have them, each with the reason.
 * Paths through a list that is empty by default (ingress.tls) cannot be looked up and belong here too.
 */
const OPTIONAL_VALUES: Readonly<Record<string, string>> = {};

function missingValues(file: string): string[] {
  const values = chartValues();
  return valuesReferences(readRepoFile(file))
    .filter((ref) => lookup(values, ref.path) !== 'found' && !(ref.path.join('.') in OPTIONAL_VALUES))
    .map((ref) => `${file}:${ref.line} .Values.${ref.path.join('.')} (${lookup(values, ref.path)})`);
}

describe('Helm chart templates', () => {
  it('has its .Values references found through $, variables, with and range', () => {
    // The scoping rules of the reader below, on a template of its own, so that a reader that
    // found nothing could not pass the per-file checks.
    const template = [
      '{{- $c := .Values.config }}{{ $c.auth.enabled }}',
      '{{- with .Values.podLabels }}{{ toYaml . }}{{ .team }}{{ else }}{{ .Values.nameOverride }}{{ end }}',
      '{{- range .Values.ingress.hosts }}{{ .host }}{{ $.Values.service.port }}{{ range .paths }}{{ .path }}{{ end }}{{ end }}',
      '{{- (first .Values.ingress.tls).secretName }}{{ printf "%s.yaml" .Chart.Name }}',
    ].join('\n');
    expect(valuesReferences(template).map((ref) => ref.path.join('.'))).toEqual([
      'config',
      'config.auth.enabled',
      'podLabels',
      'podLabels',
      'podLabels.team',
      'nameOverride',
      'ingress.hosts',
      'ingress.hosts.[].host',
      'service.port',
      'ingress.hosts.[].paths',
      'ingress.hosts.[].paths.[].path',
      'ingress.tls',
      'ingress.tls.[].secretName',
    ]);
  });

  it.each(templateFiles())('every .Values path %s reads exists in values.yaml', (file) => {
    expect(missingValues(file)).toEqual([]);
  });

  it('lists as optional only paths that are read and absent from values.yaml', () => {
    const read = new Set(
      templateFiles().flatMap((file) => valuesReferences(readRepoFile(file)).map((r) => r.path.join('.'))),
    );
    const stale = Object.keys(OPTIONAL_VALUES).filter(
      (path) => !read.has(path) || lookup(chartValues(), path.split('.')) === 'found',
    );
    expect(stale).toEqual([]);
  });

  it.each(manifestTemplates())(
    '%s is valid YAML in every branch, one Kubernetes object per document',
    (file) => {
      const stripped = stripTemplate(readRepoFile(file));
      expect(stripped.problems).toEqual([]);
      for (const variant of variantsOf(stripped.items)) {
        expect(yamlProblems(variant)).toEqual([]);
        for (const object of documentsOf(variant)) {
          expect(object).toMatchObject({ apiVersion: expect.any(String), kind: expect.any(String) });
          expect(object).toHaveProperty('metadata.name');
        }
      }
    },
  );

  // Labels and selectors are included into other objects' metadata; a broken one breaks them all.
  it.each([...definitionsOf(stripTemplate(readRepoFile(`${CHART}/templates/_helpers.tpl`)).items)])(
    'the %s definition renders valid YAML',
    (_name, items) => {
      for (const variant of variantsOf(items)) expect(yamlProblems(variant)).toEqual([]);
    },
  );
});
