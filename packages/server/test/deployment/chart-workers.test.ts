import { parse } from 'yaml';
import { CHART } from './support/chart';
import { schemaProblems } from './support/chart-schema';
import {
  containerConfig,
  containerOf,
  objectNamed,
  renderChart,
  type KubernetesObject,
  type RenderedChart,
} from './support/helm-render';
import { readRepoFile } from './support/repo';
import { isTree, mergeValues, valueAt, type Tree } from './support/tree';

const ciValues = (name: string): Tree => parse(readRepoFile(`${CHART}/ci/${name}`)) as Tree;

/** The stateless CI values without worker pods, so that each test says whether it wants them. */
function stateless(extra: Tree = {}): Tree {
  return mergeValues(
    mergeValues(ciValues('stateless-values.yaml'), { worker: { enabled: false } }),
    extra,
  ) as Tree;
}

function withWorkers(extra: Tree = {}): Tree {
  return stateless(mergeValues({ worker: { enabled: true } }, extra) as Tree);
}

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Kubernetes' label selector semantics: every label and every expression must hold. */
function selects(selector: unknown, labels: unknown): boolean {
  if (!isTree(selector) || !isTree(labels)) throw new Error('a selector and labels are needed');
  const { matchLabels = {}, matchExpressions = [] } = selector as Selector;
  if (Object.keys(matchLabels).length === 0 && matchExpressions.length === 0) {
    throw new Error('an empty selector selects everything, which no selector of the chart means to');
  }
  return (
    Object.entries(matchLabels).every(([key, value]) => labels[key] === value) &&
    matchExpressions.every(({ key, operator, values = [] }) => {
      const value = labels[key];
      if (operator === 'In') return typeof value === 'string' && values.includes(value);
      if (operator === 'NotIn') return typeof value !== 'string' || !values.includes(value);
      if (operator === 'Exists') return value !== undefined;
      if (operator === 'DoesNotExist') return value === undefined;
      throw new Error(`unknown operator ${operator}`);
    })
  );
}

const podLabels = (deployment: KubernetesObject): unknown =>
  valueAt(deployment, ['spec', 'template', 'metadata', 'labels']);

function envOf(deployment: KubernetesObject): Tree[] {
  const { container } = containerOf(deployment);
  return Array.isArray(container.env) ? (container.env as Tree[]) : [];
}

const ROLE_VARIABLES = ['BERTH_WORKERS_ENABLED', 'BERTH_HTTP_WORKERS'];

const deployments = (chart: RenderedChart) => chart.objects.filter((object) => object.kind === 'Deployment');
const api = (chart: RenderedChart) => objectNamed(chart, 'Deployment', 'berth');
const worker = (chart: RenderedChart) => objectNamed(chart, 'Deployment', 'berth-worker');

describe('without worker.enabled, the default', () => {
  it.each([
    ['the defaults', {}],
    ['the stateless values', stateless()],
  ])('renders no worker pods with %s, and the API pods run the background work', (_name, values) => {
    const chart = renderChart(values);
    expect(deployments(chart).map((d) => d.metadata.name)).toEqual(['berth']);
    expect(
      chart.objects.filter(
        (object) =>
          object.metadata.name.endsWith('-worker') ||
          object.metadata.labels?.['app.kubernetes.io/component'] === 'worker',
      ),
    ).toEqual([]);
    expect(envOf(api(chart)).map((entry) => entry.name)).not.toContain('BERTH_WORKERS_ENABLED');
    expect(containerConfig(chart, api(chart)).workers.enabled).toBe(true);
    expect(chart.notes).not.toContain('berth-worker');
  });
});

describe('with worker.enabled', () => {
  const chart = renderChart(withWorkers({ worker: { replicaCount: 3 } }));

  it('renders <fullname>-worker with the replicas set, running the same image and command', () => {
    expect(deployments(chart).map((d) => d.metadata.name)).toEqual(['berth', 'berth-worker']);
    expect(worker(chart).spec).toMatchObject({ replicas: 3 });
    const named = renderChart(withWorkers({ worker: { replicaCount: 1 } }), { release: 'registry' });
    expect(objectNamed(named, 'Deployment', 'registry-berth-worker').spec).toMatchObject({ replicas: 1 });
    const [apiContainer, workerContainer] = [api(chart), worker(chart)].map((d) => containerOf(d).container);
    for (const field of ['image', 'imagePullPolicy', 'args', 'ports']) {
      expect(workerContainer?.[field]).toEqual(apiContainer?.[field]);
    }
  });

  it('turns the background work on in the worker pods and off in the API pods', () => {
    expect(containerConfig(chart, worker(chart)).workers.enabled).toBe(true);
    expect(containerConfig(chart, api(chart)).workers.enabled).toBe(false);
    // The ConfigMap both mount is unchanged: the role is the environment's.
    const file = parse(String(valueAt(objectNamed(chart, 'ConfigMap', 'berth'), ['data', 'berth.yaml'])));
    expect(valueAt(file, ['workers', 'enabled'])).toBe(true);
  });

  it('runs one process per worker pod, whatever config.http.workers says for the API pods', () => {
    const four = renderChart(withWorkers({ config: { http: { workers: 4 } } }));
    expect(containerConfig(four, api(four)).http.workers).toBe(4);
    expect(containerConfig(four, worker(four)).http.workers).toBe(1);
  });

  it.each([
    ['the stateless values', {}],
    [
      'every optional source of env and volumes',
      {
        extraCaCerts: '-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----',
        extraEnv: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=512' }],
        secrets: { existingSecret: 'berth-credentials' },
        auth: { signingKey: { existingSecret: 'berth-key', kid: 'k1' }, initialAdmin: { enabled: false } },
      },
    ],
  ])('gives the worker pods the API pods environment, volumes and mounts with %s', (_name, extra) => {
    const both = renderChart(withWorkers(extra));
    const shared = (d: KubernetesObject) => envOf(d).filter((e) => !ROLE_VARIABLES.includes(String(e.name)));
    expect(shared(worker(both))).toEqual(shared(api(both)));
    expect(envOf(worker(both)).filter((e) => ROLE_VARIABLES.includes(String(e.name)))).toEqual([
      { name: 'BERTH_WORKERS_ENABLED', value: 'true' },
      { name: 'BERTH_HTTP_WORKERS', value: '1' },
    ]);
    const [apiPod, workerPod] = [api(both), worker(both)].map((d) => containerOf(d));
    expect(workerPod?.container.volumeMounts).toEqual(apiPod?.container.volumeMounts);
    expect(workerPod?.pod.volumes).toEqual(apiPod?.pod.volumes);
    // extraEnv comes last in both, so that it can still override the chart's own entries.
    const extraEnv = valueAt(both.values, ['extraEnv']) as Tree[];
    for (const deployment of [api(both), worker(both)]) {
      const env = envOf(deployment);
      expect(env.slice(env.length - extraEnv.length)).toEqual(extraEnv);
    }
  });

  it('restarts the worker pods on the same configuration and Secret changes as the API pods', () => {
    const annotations = (d: KubernetesObject) =>
      valueAt(d, ['spec', 'template', 'metadata', 'annotations']) as Record<string, string>;
    for (const key of ['checksum/config', 'checksum/secret', 'checksum/ca']) {
      expect(annotations(worker(chart))[key]).toBe(annotations(api(chart))[key]);
    }
  });

  it('holds the worker pods to the API pods least privilege', () => {
    const [apiPod, workerPod] = [api(chart), worker(chart)].map((d) => containerOf(d));
    for (const field of [
      'securityContext',
      'serviceAccountName',
      'automountServiceAccountToken',
      'enableServiceLinks',
      'terminationGracePeriodSeconds',
    ]) {
      expect(workerPod?.pod[field]).toEqual(apiPod?.pod[field]);
    }
    expect(workerPod?.container.securityContext).toEqual(apiPod?.container.securityContext);
    expect(workerPod?.pod).toMatchObject({ automountServiceAccountToken: false, enableServiceLinks: false });
    expect(workerPod?.pod.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(workerPod?.container.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
  });

  it('probes the worker pods as the API pods, on the port they listen on', () => {
    const [apiContainer, workerContainer] = [api(chart), worker(chart)].map((d) => containerOf(d).container);
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
      expect(workerContainer?.[probe]).toEqual(apiContainer?.[probe]);
      expect(valueAt(workerContainer, [probe, 'httpGet', 'port'])).toBe('http');
    }
    expect(workerContainer?.ports).toEqual([expect.objectContaining({ name: 'http' })]);
  });

  it('keeps the worker pods out of the API Service, selectors and disruption budget', () => {
    const service = objectNamed(chart, 'Service', 'berth');
    const apiDeployment = api(chart);
    const workerDeployment = worker(chart);
    const serviceSelector = { matchLabels: valueAt(service, ['spec', 'selector']) };
    expect(selects(serviceSelector, podLabels(apiDeployment))).toBe(true);
    expect(selects(serviceSelector, podLabels(workerDeployment))).toBe(false);
    const selectorOf = (d: KubernetesObject) => valueAt(d, ['spec', 'selector']);
    expect(selects(selectorOf(apiDeployment), podLabels(apiDeployment))).toBe(true);
    expect(selects(selectorOf(apiDeployment), podLabels(workerDeployment))).toBe(false);
    expect(selects(selectorOf(workerDeployment), podLabels(workerDeployment))).toBe(true);
    expect(selects(selectorOf(workerDeployment), podLabels(apiDeployment))).toBe(false);
    const budget = chart.objects.filter((o) => o.kind === 'PodDisruptionBudget');
    expect(budget.map((b) => selects(valueAt(b, ['spec', 'selector']), podLabels(apiDeployment)))).toEqual([
      true,
    ]);
    expect(budget.map((b) => selects(valueAt(b, ['spec', 'selector']), podLabels(workerDeployment)))).toEqual(
      [false],
    );
    expect(
      valueAt(objectNamed(chart, 'HorizontalPodAutoscaler', 'berth'), ['spec', 'scaleTargetRef']),
    ).toEqual(expect.objectContaining({ kind: 'Deployment', name: 'berth' }));
  });

  it("leaves the API Deployment's selector and the Service's as they were, which upgrades need", () => {
    const before = renderChart(stateless());
    expect(valueAt(api(chart), ['spec', 'selector'])).toEqual(valueAt(api(before), ['spec', 'selector']));
    const serviceSelector = (c: RenderedChart) =>
      valueAt(objectNamed(c, 'Service', 'berth'), ['spec', 'selector']);
    expect(serviceSelector(chart)).toEqual(serviceSelector(before));
  });

  it('has Prometheus scrape the worker pods /metrics as it does the API pods', () => {
    const monitor = objectNamed(chart, 'ServiceMonitor', 'berth');
    const services = chart.objects.filter((o) => o.kind === 'Service');
    const scraped = services.filter((s) =>
      selects(valueAt(monitor, ['spec', 'selector']), s.metadata.labels),
    );
    expect(scraped.map((s) => s.metadata.name).sort()).toEqual(['berth', 'berth-worker']);
    const workerService = objectNamed(chart, 'Service', 'berth-worker');
    const selector = { matchLabels: valueAt(workerService, ['spec', 'selector']) };
    expect(selects(selector, podLabels(worker(chart)))).toBe(true);
    expect(selects(selector, podLabels(api(chart)))).toBe(false);
    // Headless: a name for Prometheus to find the pods by, not an address for clients.
    expect(valueAt(workerService, ['spec', 'clusterIP'])).toBe('None');
    const endpoints = valueAt(monitor, ['spec', 'endpoints']) as Tree[];
    for (const service of scraped) {
      const ports = (valueAt(service, ['spec', 'ports']) as Tree[]).map((port) => port.name);
      expect(endpoints.map((endpoint) => endpoint.port).filter((port) => ports.includes(port))).toEqual([
        'http',
      ]);
    }
    expect(endpoints).toEqual([expect.objectContaining({ path: '/metrics' })]);

    const unmonitored = renderChart(withWorkers({ serviceMonitor: { enabled: false } }));
    expect(unmonitored.objects.filter((o) => o.kind === 'Service').map((s) => s.metadata.name)).toEqual([
      'berth',
    ]);
  });

  it('applies the NetworkPolicy to the worker pods too', () => {
    const policy = objectNamed(chart, 'NetworkPolicy', 'berth');
    const selector = valueAt(policy, ['spec', 'podSelector']);
    expect(selects(selector, podLabels(api(chart)))).toBe(true);
    expect(selects(selector, podLabels(worker(chart)))).toBe(true);
  });

  it('spreads the worker pods among themselves', () => {
    const constraints = valueAt(worker(chart), ['spec', 'template', 'spec', 'topologySpreadConstraints']);
    expect(Array.isArray(constraints) && constraints.length).toBe(2);
    for (const constraint of constraints as Tree[]) {
      expect(selects(constraint.labelSelector, podLabels(worker(chart)))).toBe(true);
      expect(selects(constraint.labelSelector, podLabels(api(chart)))).toBe(false);
    }
  });

  it('sizes and places the worker pods by worker.*, falling back to the API pods placement', () => {
    const placed = renderChart(
      withWorkers({
        nodeSelector: { pool: 'registry' },
        tolerations: [{ key: 'registry', operator: 'Exists' }],
        affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } },
        podAnnotations: { team: 'registry', shared: 'api' },
        worker: {
          resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } },
          tolerations: [{ key: 'batch', operator: 'Exists' }],
          podAnnotations: { shared: 'worker' },
        },
      }),
    );
    const { pod, container } = containerOf(worker(placed));
    expect(container.resources).toEqual({
      requests: { cpu: '50m', memory: '128Mi' },
      limits: { memory: '512Mi' },
    });
    expect(containerOf(api(placed)).container.resources).toEqual(valueAt(placed.values, ['resources']));
    expect(pod.nodeSelector).toEqual({ pool: 'registry' });
    expect(pod.tolerations).toEqual([{ key: 'batch', operator: 'Exists' }]);
    expect(pod.affinity).toEqual(valueAt(placed.values, ['affinity']));
    expect(valueAt(worker(placed), ['spec', 'template', 'metadata', 'annotations'])).toMatchObject({
      team: 'registry',
      shared: 'worker',
    });
    expect(valueAt(api(placed), ['spec', 'template', 'metadata', 'annotations'])).toMatchObject({
      shared: 'api',
    });
  });

  it('says in the notes where the background work runs', () => {
    expect(chart.notes).toContain('rollout status deployment/berth-worker');
    expect(chart.notes).toMatch(/Background work .*\n?.*berth-worker, 3 pod/);
  });

  it('is what the stateless CI values render', () => {
    const ci = renderChart(ciValues('stateless-values.yaml'));
    expect(worker(ci).spec).toMatchObject({
      replicas: valueAt(ciValues('stateless-values.yaml'), ['worker', 'replicaCount']),
    });
  });
});

describe('the chart refuses worker pods that could not work', () => {
  it('with an embedded backend, whose state they cannot reach', () => {
    expect(() => renderChart({ worker: { enabled: true } })).toThrow(
      /worker\.enabled needs the stateless shape/,
    );
    const memory = withWorkers({
      config: { coordinator: { driver: 'memory' } },
      secrets: { redisUrl: '' },
      autoscaling: { enabled: false },
    });
    expect(() => renderChart(memory)).toThrow(/worker\.enabled needs .* config\.coordinator\.driver=memory/);
  });

  it('with config.workers.enabled off, which would leave them idle', () => {
    expect(() => renderChart(withWorkers({ config: { workers: { enabled: false } } }))).toThrow(
      /config\.workers\.enabled=false/,
    );
  });

  it.each([
    ['no worker pods', { worker: { enabled: true, replicaCount: 0 } }],
    ['a misspelt key', { worker: { enabeld: true } }],
    ['resources that are no map', { worker: { resources: '1Gi' } }],
  ])('in values.schema.json: %s', (_case, values) => {
    expect(schemaProblems(mergeValues(stateless(), values))).not.toEqual([]);
  });
});
