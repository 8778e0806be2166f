import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parse } from 'yaml';
import { OciClient, randomBlob, sha256, uniqueRepo } from '../support/oci-client';
import { Scrape } from '../support/prometheus';
import { startTestRegistry, type TestRegistry } from '../support/test-registry';
import { CHART } from './support/chart';
import {
  datasourceReferences,
  panelsOf,
  queriesOf,
  variablesOf,
  type DashboardQuery,
} from './support/grafana';
import { legendLabels, queryReferences } from './support/promql';
import { readRepoFile } from './support/repo';
import { documentsOf, stripTemplate, variantsOf } from './support/template-yaml';
import { isTree, valueAt, type Tree } from './support/tree';

const DASHBOARD = `${CHART}/dashboards/berth.json`;
const TEMPLATE = `${CHART}/templates/grafana-dashboard.yaml`;

/** What every panel and query variable queries: the Prometheus the `datasource` variable picks. */
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

/** Labels Prometheus gives every series of a pod the ServiceMonitor scrapes, besides the metric's own. */
const TARGET_LABELS = new Set(['namespace', 'job', 'pod', 'instance', 'service', 'container', 'endpoint']);

/** The matchers every selector of a panel has, so that the variables choose what every panel shows. */
const FILTERS = [
  { label: 'namespace', op: '=~', value: '$namespace' },
  { label: 'job', op: '=~', value: '$job' },
  { label: 'pod', op: '=~', value: '$pod' },
];

const GRAFANA_BUILTINS = new Set(['__rate_interval', '__interval', '__range']);

const dashboard = (): Tree => JSON.parse(readRepoFile(DASHBOARD)) as Tree;
const QUERIES: [string, DashboardQuery][] = queriesOf(dashboard()).map((query) => [query.where, query]);
const PANEL_QUERIES = QUERIES.filter(([, query]) => query.legend !== undefined);

/** A scrape's metric families by type, and its sample names with the labels and values each has. */
interface Exposition {
  families: Map<string, string>;
  samples: Map<string, Map<string, Set<string>>>;
}

function expositionOf(text: string): Exposition {
  const families = new Map<string, string>();
  const samples = new Map<string, Map<string, Set<string>>>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) families.set(type[1] as string, type[2] as string);
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? \S+$/.exec(line);
    if (!sample) continue;
    const labels = samples.get(sample[1] as string) ?? new Map<string, Set<string>>();
    samples.set(sample[1] as string, labels);
    for (const [, key, value] of (sample[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels.set(key as string, (labels.get(key as string) ?? new Set()).add(value as string));
    }
  }
  return { families, samples };
}

/** The sample names a family is exposed under: a histogram's are its buckets, sum and count. */
function sampleNamesOf(family: string, type: string): string[] {
  if (type === 'histogram') return ['_bucket', '_sum', '_count'].map((suffix) => family + suffix);
  if (type === 'summary') return [family, `${family}_sum`, `${family}_count`];
  return [family];
}

/** Whether a sample name belongs to a family the registry registered. */
function registeredNames(exposition: Exposition): Set<string> {
  return new Set([...exposition.families].flatMap(([family, type]) => sampleNamesOf(family, type)));
}

/** Makes V8 collect garbage now, so that the GC histogram has a sample whose labels can be read. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

describe('the PromQL reader', () => {
  it('finds selectors, matchers, groupings and variables, and nothing in functions, strings or ranges', () => {
    const query = [
      'histogram_quantile(0.99, sum by (le, route) (rate(a_bucket{pod=~"$pod", status!~"5.."}[$__rate_interval])))',
      '/ on (route) group_left sum(b_total{x="{not:a} selector"} offset 5m) without (instance)',
      'and sum(rate(c:d[5m])) by (kind) > bool 0',
    ].join(' ');
    const refs = queryReferences(query);
    expect(refs.problems).toEqual([]);
    expect(refs.selectors).toEqual([
      {
        metric: 'a_bucket',
        matchers: [
          { label: 'pod', op: '=~', value: '$pod' },
          { label: 'status', op: '!~', value: '5..' },
        ],
      },
      { metric: 'b_total', matchers: [{ label: 'x', op: '=', value: '{not:a} selector' }] },
      { metric: 'c:d', matchers: [] },
    ]);
    expect(refs.groupings).toEqual([['le', 'route'], ['route'], ['instance'], ['kind']]);
    expect(refs.variables).toEqual(['pod', '__rate_interval']);
    expect(queryReferences('sum({job="x"})').problems).not.toEqual([]);
    expect(legendLabels('{{pod}} p99 {{ kind }}')).toEqual(['pod', 'kind']);
  });
});

describe('the Grafana dashboard', () => {
  it('has a unique integer id for every panel', () => {
    const ids = panelsOf(dashboard()).map((panel) => panel.id);
    expect(ids.length).toBeGreaterThan(20);
    expect(ids.filter((id) => !Number.isInteger(id))).toEqual([]);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it('lays its panels out side by side, none over another', () => {
    const boxes = panelsOf(dashboard()).map((panel) => ({
      title: String(panel.title),
      ...(panel.gridPos as { x: number; y: number; w: number; h: number }),
    }));
    expect(boxes.filter((box) => box.x < 0 || box.x + box.w > 24 || box.w <= 0 || box.h <= 0)).toEqual([]);
    const overlapping = boxes.flatMap((a, i) =>
      boxes
        .slice(i + 1)
        .filter((b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h)
        .map((b) => `${a.title} / ${b.title}`),
    );
    expect(overlapping).toEqual([]);
  });

  it('gives every panel but a row a query', () => {
    const empty = panelsOf(dashboard())
      .filter((panel) => panel.type !== 'row')
      .filter(
        (panel) => !queriesOf({ panels: [{ ...panel, panels: [] }] }).some((query) => query.expr.trim()),
      )
      .map((panel) => String(panel.title));
    expect(empty).toEqual([]);
    expect(PANEL_QUERIES.length).toBeGreaterThan(20);
  });

  it('queries the Prometheus that its datasource variable picks, everywhere', () => {
    const model = dashboard();
    const variable = variablesOf(model).find((v) => v.name === 'datasource');
    expect(variable).toMatchObject({ type: 'datasource', query: 'prometheus' });
    const references = datasourceReferences(model);
    // Every panel but a row, and every query variable, names its datasource.
    const named = panelsOf(model).filter((panel) => panel.type !== 'row').length;
    expect(references.length).toBeGreaterThanOrEqual(named + variablesOf(model).length - 1);
    expect(references.filter((ref) => JSON.stringify(ref.value) !== JSON.stringify(DATASOURCE))).toEqual([]);
    // An export "for sharing externally" asks for its datasource on import, which a sidecar cannot answer.
    expect(model).not.toHaveProperty('__inputs');
    expect(readRepoFile(DASHBOARD)).not.toMatch(/\$\{DS_/);
  });

  it.each(QUERIES)('%s names only variables the dashboard defines', (_where, query) => {
    const defined = new Set(variablesOf(dashboard()).map((variable) => variable.name));
    const undefinedNames = queryReferences(query.expr).variables.filter(
      (name) => !defined.has(name) && !GRAFANA_BUILTINS.has(name),
    );
    expect(undefinedNames).toEqual([]);
  });

  it.each(PANEL_QUERIES)('%s filters every selector by namespace, job and pod', (_where, query) => {
    const selectors = queryReferences(query.expr).selectors;
    expect(selectors.length).toBeGreaterThan(0);
    for (const selector of selectors)
      expect([selector.metric, selector.matchers]).toEqual([
        selector.metric,
        expect.arrayContaining(FILTERS),
      ]);
  });

  it.each(PANEL_QUERIES)('%s shows in its legend only labels it groups by', (_where, query) => {
    const grouped = new Set(queryReferences(query.expr).groupings.flat());
    expect(legendLabels(query.legend ?? '').filter((label) => !grouped.has(label))).toEqual([]);
  });

  // The names and labels a running registry exposes once it has served a push and a pull: every
  // histogram then has samples, and the Node.js metrics of prom-client are there with Berth's prefix.
  describe('against the metrics of a running registry', () => {
    let registry: TestRegistry | undefined;
    let exposed: Exposition;
    let registered: Set<string>;

    beforeAll(async () => {
      registry = await startTestRegistry('embedded');
      const client = new OciClient(registry.url);
      const name = uniqueRepo('dashboard');
      const image = await client.pushImage(name, 'v1', { layers: [randomBlob(100_000)] });
      for (const blob of [image.config, ...image.layers]) {
        const res = await client.request('GET', `/v2/${name}/blobs/${sha256(blob)}`);
        expect((await res.arrayBuffer()).byteLength).toBe(blob.length);
      }
      collectGarbage();
      // prom-client hears of a collection from a performance observer, after this turn of the loop.
      await sleep(100);
      exposed = expositionOf((await Scrape.of(registry.url)).text);
      registered = registeredNames(exposed);
    }, 120_000);
    afterAll(async () => {
      await registry?.stop();
    }, 60_000);

    it('are read from families and samples alike', () => {
      // The expansion of families into sample names has to cover every sample the scrape holds.
      expect([...exposed.samples.keys()].filter((name) => !registered.has(name))).toEqual([]);
      for (const name of [
        'berth_http_request_duration_seconds_bucket',
        'berth_blob_pull_size_bytes_sum',
        'berth_process_cpu_seconds_total',
        'berth_nodejs_eventloop_lag_p99_seconds',
        'berth_nodejs_gc_duration_seconds_count',
      ]) {
        expect([name, registered.has(name), exposed.samples.has(name)]).toEqual([name, true, true]);
      }
      expect(registered.has('berth_http_request_duration_seconds')).toBe(false);
    });

    it.each(QUERIES)('%s reads only metrics the registry registers', (_where, query) => {
      const refs = queryReferences(query.expr);
      expect(refs.problems).toEqual([]);
      expect(refs.selectors.length).toBeGreaterThan(0);
      expect(refs.selectors.map((s) => s.metric).filter((metric) => !registered.has(metric))).toEqual([]);
    });

    it.each(QUERIES)('%s uses only labels and label values its metrics have', (_where, query) => {
      const refs = queryReferences(query.expr);
      const problems: string[] = [];
      const labelsOf = (metric: string) => exposed.samples.get(metric) ?? new Map<string, Set<string>>();
      for (const { metric, matchers } of refs.selectors) {
        if (!exposed.samples.has(metric)) problems.push(`${metric} has no samples to learn its labels from`);
        for (const { label, op, value } of matchers) {
          if (TARGET_LABELS.has(label)) continue;
          const values = labelsOf(metric).get(label);
          if (!values) problems.push(`${metric} has no label ${label}`);
          else if (op === '=' && !value.includes('$') && !values.has(value))
            problems.push(
              `${metric}{${label}="${value}"} matches no series; it has ${[...values].join(', ')}`,
            );
        }
        // What the query groups by, or lists, has to be a label of every series it aggregates.
        for (const label of [...refs.groupings.flat(), ...(query.listsLabel ? [query.listsLabel] : [])]) {
          if (!TARGET_LABELS.has(label) && !labelsOf(metric).has(label))
            problems.push(`${metric} has no label ${label} to group by`);
        }
      }
      expect(problems).toEqual([]);
    });
  });
});

describe('the Grafana dashboard ConfigMap', () => {
  const template = readRepoFile(TEMPLATE);

  it('is rendered only when grafanaDashboard.enabled', () => {
    const [first, ...rest] = stripTemplate(template).items.filter(
      (item) => item.kind !== 'text' || item.text.trim() !== '',
    );
    expect(rest).toEqual([]);
    expect(first).toMatchObject({
      kind: 'block',
      keyword: 'if',
      argument: '.Values.grafanaDashboard.enabled',
    });
  });

  it("carries the sidecar's label and the dashboard file as it is", () => {
    const stripped = stripTemplate(template);
    const [configMap] = variantsOf(stripped.items).flatMap(documentsOf).filter(isTree);
    expect(configMap).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap' });
    const labels = Object.entries(valueAt(configMap, ['metadata', 'labels']) as Tree).map(([key, value]) => [
      stripped.actions.get(key) ?? key,
      stripped.actions.get(String(value)) ?? value,
    ]);
    expect(labels).toContainEqual([
      '.Values.grafanaDashboard.labelKey',
      expect.stringMatching(/^\.Values\.grafanaDashboard\.labelValue\b.*\| quote$/),
    ]);

    // The data section as Helm renders it: `{{- .Files.Get "f" | nindent n }}` eats the whitespace
    // before it and puts the file there, every line indented by n.
    const data = template.slice(template.indexOf('\ndata:\n'), template.lastIndexOf('{{- end }}'));
    const files: string[] = [];
    const filesGet = /\s*\{\{-\s*\.Files\.Get\s+"([^"]+)"\s*\|\s*nindent\s+(\d+)\s*\}\}/g;
    expect(data.replace(filesGet, '')).not.toContain('{{');
    const rendered = data.replace(filesGet, (_action, file: string, indent: string) => {
      files.push(file);
      const pad = ' '.repeat(Number(indent));
      return `\n${pad}${readRepoFile(`${CHART}/${file}`).replace(/\n/g, `\n${pad}`)}`;
    });
    expect(files).toEqual(['dashboards/berth.json']);
    const dashboards = valueAt(parse(rendered), ['data']) as Tree;
    expect(Object.keys(dashboards)).toEqual(['berth.json']);
    expect(JSON.parse(dashboards['berth.json'] as string)).toEqual(dashboard());
  });
});
