import { createHash, generateKeyPairSync, randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { loadConfig, type Config } from '@berth/server';
import { CHART, chartValues, templateFiles } from './chart';
import { schemaProblems } from './chart-schema';
import { printed, TemplateError, TemplateSet, truth, type TemplateFunction, type Value } from './go-render';
import { readRepoFile, repoPath } from './repo';
import { isTree, valueAt, type Tree } from './tree';

/**
 * `helm template` for this chart, without Helm: values merged over values.yaml and checked against
 * values.schema.json, then every template executed by go-render.ts with the Sprig and Helm functions
 * the chart calls. `lookup` finds nothing, as with `helm template`, so generated Secrets are new on
 * every render.
 */

export interface RenderOptions {
  release?: string;
  namespace?: string;
}

export interface KubernetesObject extends Tree {
  apiVersion: string;
  kind: string;
  metadata: Tree & { name: string; labels?: Record<string, string> };
}

export interface RenderedChart {
  values: Tree;
  /** Each manifest file's output, by its path in the chart (`templates/deployment.yaml`). */
  files: Map<string, string>;
  objects: KubernetesObject[];
  notes: string;
}

/** sigs.k8s.io/yaml, as Helm's toYaml: keys sorted, lists level with their key, YAML 1.1 quoting. */
function toYaml(value: Value): string {
  if (value === undefined) return 'null';
  return stringify(value, { sortMapEntries: true, indentSeq: false, lineWidth: 0, version: '1.1' }).replace(
    /\n$/,
    '',
  );
}

function fromYaml(text: Value): Value {
  try {
    const parsed: unknown = parse(String(text ?? ''), { version: '1.1' });
    return isTree(parsed) ? parsed : {};
  } catch (error) {
    return { Error: (error as Error).message };
  }
}

/** Sprig's `empty`: nil, false, 0 and empty strings, lists and maps. */
function empty(value: Value): boolean {
  return !truth(value);
}

/** cast.ToInt, as Sprig's `int`: strings parsed, floats truncated, anything else 0. */
function toInt(value: Value): number {
  if (typeof value === 'number') return Math.trunc(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    const parsed = Number(value.trim().replace(/\.0*$/, ''));
    return Number.isInteger(parsed) ? parsed : 0;
  }
  return 0;
}

function list(value: Value, name: string): Value[] {
  if (Array.isArray(value)) return value;
  throw new TemplateError(`${name} needs a list, not ${printed(value)}`);
}

function map(value: Value, name: string): Tree {
  if (isTree(value)) return value;
  throw new TemplateError(`${name} needs a map, not ${printed(value)}`);
}

function kindOf(value: Value): string {
  if (value === null || value === undefined) return 'invalid';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  // Helm reads values through JSON, so every number of the values is a float64.
  if (typeof value === 'number') return 'float64';
  if (Array.isArray(value)) return 'slice';
  if (typeof value === 'function') return 'func';
  return 'map';
}

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** The Sprig functions the chart calls, with Sprig's argument order (the piped value last). */
const SPRIG: Readonly<Record<string, TemplateFunction>> = {
  default: (fallback, ...given) => (given.length === 0 || empty(given[0]) ? fallback : given[0]),
  empty: (value) => empty(value),
  coalesce: (...values) => values.find((value) => !empty(value)) ?? null,
  ternary: (yes, no, condition) => (truth(condition) ? yes : no),
  quote: (...values) =>
    values
      .filter((value) => value !== null && value !== undefined)
      .map((value) => JSON.stringify(printed(value)))
      .join(' '),
  squote: (...values) =>
    values
      .filter((value) => value !== null && value !== undefined)
      .map((value) => `'${printed(value)}'`)
      .join(' '),
  toString: (value: Value) => printed(value),
  toYaml,
  fromYaml,
  toJson: (value) => JSON.stringify(value ?? null),
  indent: (width, text) => {
    const pad = ' '.repeat(toInt(width));
    return pad + printed(text).replace(/\n/g, `\n${pad}`);
  },
  nindent: (width, text) => {
    const pad = ' '.repeat(toInt(width));
    return `\n${pad}${printed(text).replace(/\n/g, `\n${pad}`)}`;
  },
  trunc: (length, text) => {
    const n = toInt(length);
    const s = printed(text);
    if (n < 0 && s.length + n > 0) return s.slice(s.length + n);
    return n >= 0 && s.length > n ? s.slice(0, n) : s;
  },
  trimSuffix: (suffix, text) => {
    const s = printed(text);
    const end = printed(suffix);
    return end !== '' && s.endsWith(end) ? s.slice(0, -end.length) : s;
  },
  trimPrefix: (prefix, text) => {
    const s = printed(text);
    const start = printed(prefix);
    return start !== '' && s.startsWith(start) ? s.slice(start.length) : s;
  },
  trim: (text) => printed(text).trim(),
  upper: (text) => printed(text).toUpperCase(),
  lower: (text) => printed(text).toLowerCase(),
  contains: (needle, text) => printed(text).includes(printed(needle)),
  hasPrefix: (prefix, text) => printed(text).startsWith(printed(prefix)),
  hasSuffix: (suffix, text) => printed(text).endsWith(printed(suffix)),
  replace: (from, to, text) => printed(text).split(printed(from)).join(printed(to)),
  join: (separator, values) =>
    (Array.isArray(values) ? values : [values])
      .filter((value) => value !== null && value !== undefined)
      .map(printed)
      .join(printed(separator)),
  b64enc: (text) => Buffer.from(printed(text), 'utf8').toString('base64'),
  b64dec: (text) => Buffer.from(printed(text), 'base64').toString('utf8'),
  sha256sum: (text) => createHash('sha256').update(printed(text)).digest('hex'),
  int: toInt,
  int64: toInt,
  add: (...values) => values.reduce<number>((sum, value) => sum + toInt(value), 0),
  sub: (a, b) => toInt(a) - toInt(b),
  mul: (...values) => values.reduce<number>((product, value) => product * toInt(value), 1),
  max: (...values) => Math.max(...values.map(toInt)),
  min: (...values) => Math.min(...values.map(toInt)),
  list: (...values) => values,
  append: (values, value) => [...list(values, 'append'), value],
  first: (values) => list(values, 'first')[0] ?? null,
  last: (values) => list(values, 'last').at(-1) ?? null,
  has: (needle, values) => list(values, 'has').some((value) => isDeepStrictEqual(value, needle)),
  dict: (...pairs) => {
    const out: Tree = {};
    for (let i = 0; i < pairs.length; i += 2) out[printed(pairs[i])] = pairs[i + 1] ?? null;
    return out;
  },
  set: (target, key, value) => {
    map(target, 'set')[printed(key)] = value;
    return target;
  },
  unset: (target, key) => {
    delete map(target, 'unset')[printed(key)];
    return target;
  },
  hasKey: (target, key) => printed(key) in map(target, 'hasKey'),
  keys: (...targets) => targets.flatMap((target) => Object.keys(map(target, 'keys'))),
  get: (target, key) => map(target, 'get')[printed(key)] ?? '',
  dig: (...args) => {
    const target = args.pop();
    const fallback = args.pop();
    let node: Value = target;
    for (const key of args) {
      if (!isTree(node) || !(printed(key) in node)) return fallback;
      node = node[printed(key)];
    }
    return node;
  },
  // Keys the first map has win, nested maps merged the same way; the first map is changed.
  merge: (target, ...sources) => {
    const into = (to: Tree, from: Tree) => {
      for (const [key, value] of Object.entries(from)) {
        const current = to[key];
        if (isTree(current) && isTree(value)) into(current, value);
        else if (current === undefined || current === null) to[key] = value;
      }
    };
    for (const source of sources) into(map(target, 'merge'), map(source, 'merge'));
    return target;
  },
  deepCopy: (value) => structuredClone(value),
  kindIs: (kind, value) => kindOf(value) === kind,
  kindOf,
  genPrivateKey: (type) => {
    if (type !== 'ecdsa') throw new TemplateError(`genPrivateKey ${printed(type)} is not supported here`);
    return generateKeyPairSync('ec', {
      namedCurve: 'prime256v1',
      privateKeyEncoding: { type: 'sec1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }).privateKey;
  },
  randAlphaNum: (length) =>
    Array.from({ length: toInt(length) }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join(''),
};

/** Helm's values coalescing: maps merge key by key, a null removes the default. */
function coalesce(base: Value, override: Value): Value {
  if (!isTree(base) || !isTree(override)) return override;
  const merged: Tree = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === null) delete merged[key];
    else merged[key] = coalesce(base[key], value);
  }
  return merged;
}

/** Chart.yaml as `.Chart` has it: `appVersion` as AppVersion, `apiVersion` as APIVersion. */
function chartObject(): Tree {
  const metadata = parse(readRepoFile(`${CHART}/Chart.yaml`)) as Tree;
  return Object.fromEntries(
    Object.entries(metadata).map(([key, value]) => [
      key === 'apiVersion' ? 'APIVersion' : key[0]?.toUpperCase() + key.slice(1),
      value,
    ]),
  );
}

const CHART_NAME = 'berth';
const BASE_PATH = `${CHART_NAME}/templates`;

let parsed: TemplateSet | undefined;

function templateSet(): TemplateSet {
  if (parsed) return parsed;
  const set: TemplateSet = new TemplateSet({
    ...SPRIG,
    include: (name, data) => set.execute(printed(name), data),
    required: (message, value) => {
      if (value === null || value === undefined || value === '') throw new TemplateError(printed(message));
      return value;
    },
    fail: (message) => {
      throw new TemplateError(printed(message));
    },
    // `helm template` has no cluster to look in, and neither does this.
    lookup: () => ({}),
    tpl: () => {
      throw new TemplateError('tpl is not supported here');
    },
  });
  for (const file of templateFiles()) {
    set.add(`${CHART_NAME}/${file.slice(CHART.length + 1)}`, readRepoFile(file));
  }
  parsed = set;
  return set;
}

/** Helm's split of a file's output into documents, each parsed as Kubernetes (YAML 1.1) would. */
function objectsOf(output: string, file: string): KubernetesObject[] {
  return parseAllDocuments(output, { version: '1.1', uniqueKeys: true }).flatMap(
    (document): KubernetesObject[] => {
      if (document.errors.length > 0) {
        throw new Error(`${file} renders invalid YAML: ${document.errors.map((e) => e.message).join('; ')}`);
      }
      const object = document.toJS() as unknown;
      if (object === null || object === undefined) return [];
      if (!isTree(object) || typeof object.kind !== 'string') throw new Error(`${file} renders a non-object`);
      return [object as KubernetesObject];
    },
  );
}

/** Renders the chart with `overrides` over values.yaml; throws what Helm would fail with. */
export function renderChart(overrides: Tree = {}, options: RenderOptions = {}): RenderedChart {
  const values = coalesce(chartValues(), overrides) as Tree;
  const problems = schemaProblems(values);
  if (problems.length > 0) throw new Error(`values don't meet values.schema.json: ${problems.join('; ')}`);
  const set = templateSet();
  const root = (name: string): Tree => ({
    Values: values,
    Release: {
      Name: options.release ?? 'berth',
      Namespace: options.namespace ?? 'berth',
      Service: 'Helm',
      IsInstall: true,
      IsUpgrade: false,
      Revision: 1,
    },
    Chart: chartObject(),
    Capabilities: { KubeVersion: { Version: 'v1.31.0', Major: '1', Minor: '31' } },
    Template: { Name: name, BasePath: BASE_PATH },
    Files: {
      Get: (path: Value) => {
        const file = repoPath(CHART, printed(path));
        return existsSync(file) ? readFileSync(file, 'utf8') : '';
      },
    },
  });
  const files = new Map<string, string>();
  const objects: KubernetesObject[] = [];
  let notes = '';
  for (const file of templateFiles()) {
    const relative = file.slice(CHART.length + 1);
    const base = relative.slice('templates/'.length);
    if (base.startsWith('_')) continue;
    const name = `${CHART_NAME}/${relative}`;
    const output = set.execute(name, root(name));
    if (base === 'NOTES.txt') {
      notes = output;
      continue;
    }
    files.set(relative, output);
    objects.push(...objectsOf(output, relative));
  }
  return { values, files, objects, notes };
}

/** The one object of a kind and name, or a failure saying what there is instead. */
export function objectNamed(chart: RenderedChart, kind: string, name: string): KubernetesObject {
  const found = chart.objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (found === undefined) {
    const present = chart.objects.map((object) => `${object.kind}/${object.metadata.name}`).join(', ');
    throw new Error(`no ${kind}/${name} in the render; it has ${present}`);
  }
  return found;
}

/** A Deployment's container by name, and its pod spec. */
export function containerOf(deployment: KubernetesObject, name = 'berth'): { pod: Tree; container: Tree } {
  const pod = valueAt(deployment, ['spec', 'template', 'spec']);
  const containers = isTree(pod) && Array.isArray(pod.containers) ? (pod.containers as unknown[]) : [];
  const container = containers.find((c): c is Tree => isTree(c) && c.name === name);
  if (!isTree(pod) || container === undefined) {
    throw new Error(`${deployment.metadata.name} has no container ${name}`);
  }
  return { pod, container };
}

/** The file a container sees at `path`, when a ConfigMap of the render is mounted there. */
function mountedFile(chart: RenderedChart, pod: Tree, container: Tree, path: string): string {
  const mounts = Array.isArray(container.volumeMounts) ? (container.volumeMounts as Tree[]) : [];
  const mount = mounts.find((m) => m.mountPath === dirname(path));
  const volumes = Array.isArray(pod.volumes) ? (pod.volumes as Tree[]) : [];
  const volume = volumes.find((v) => v.name === mount?.name);
  const configMap = valueAt(volume, ['configMap', 'name']);
  const data = chart.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === configMap)?.data;
  const text = isTree(data) ? data[basename(path)] : undefined;
  if (typeof text !== 'string') throw new Error(`nothing of the render is mounted at ${path}`);
  return text;
}

/**
 * Berth's configuration as a container of the render loads it: its literal env, the values of the
 * Secrets the render holds (those it does not, such as an existingSecret, are left out) and, as
 * BERTH_CONFIG, the ConfigMap file mounted where that variable points.
 */
export function containerConfig(chart: RenderedChart, deployment: KubernetesObject): Config {
  const { pod, container } = containerOf(deployment);
  const env: Record<string, string> = {};
  for (const entry of Array.isArray(container.env) ? (container.env as Tree[]) : []) {
    const name = String(entry.name);
    if (typeof entry.value === 'string') env[name] = entry.value;
    const ref = valueAt(entry, ['valueFrom', 'secretKeyRef']);
    if (!isTree(ref)) continue;
    const secret = chart.objects.find((o) => o.kind === 'Secret' && o.metadata.name === ref.name);
    const data = isTree(secret?.data) ? secret.data[String(ref.key)] : undefined;
    if (typeof data === 'string') env[name] = Buffer.from(data, 'base64').toString('utf8');
  }
  if (env.BERTH_CONFIG !== undefined) {
    const file = join(mkdtempSync(join(tmpdir(), 'berth-render-')), 'berth.yaml');
    writeFileSync(file, mountedFile(chart, pod, container, env.BERTH_CONFIG));
    env.BERTH_CONFIG = file;
  }
  return loadConfig(env);
}
