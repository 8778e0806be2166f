import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { loadConfig, type Config } from '@berth/server';
import { readRepoFile, repoFiles } from './repo';
import { definitionsOf, documentsOf, stripTemplate, variantsOf } from './template-yaml';
import { isTree, valueAt, withoutEmpty, type Tree } from './tree';

export const CHART = 'helm/berth';

let defaults: Tree | undefined;

/** The chart's values.yaml, parsed once; each caller gets its own copy to change. */
export function chartValues(): Tree {
  defaults ??= parse(readRepoFile(`${CHART}/values.yaml`)) as Tree;
  return structuredClone(defaults);
}

/** Every file Helm renders: manifests, helpers and NOTES.txt. */
export function templateFiles(): string[] {
  return repoFiles(`${CHART}/templates`, (name) => /\.(yaml|tpl|txt)$/.test(name));
}

export function manifestTemplates(): string[] {
  return repoFiles(`${CHART}/templates`, (name) => name.endsWith('.yaml'));
}

export interface EnvEntry {
  name: string;
  /** A literal value. */
  value?: string;
  /** The action that renders the value. */
  valueAction?: string;
  /** The action that renders the key of the Secret the value comes from. */
  secretKeyAction?: string;
}

/**
 * The server container's env entries, from every branch of the `berth.env` definition that the API
 * and the worker Deployments both include. The entry each adds for its role (workers off in the API
 * pods when worker pods run them, on in those) is not among them; chart-workers.test.ts renders those.
 */
export function deploymentEnv(): EnvEntry[] {
  const stripped = stripTemplate(readRepoFile(`${CHART}/templates/_helpers.tpl`));
  const definition = definitionsOf(stripped.items).get('berth.env');
  if (definition === undefined) throw new Error(`${CHART}/templates/_helpers.tpl defines no berth.env`);
  const entries = new Map<string, EnvEntry>();
  for (const variant of variantsOf(definition)) {
    for (const list of documentsOf(variant)) {
      for (const entry of (Array.isArray(list) ? (list as unknown[]) : []).filter(isTree)) {
        if (typeof entry.name !== 'string' || entries.has(entry.name)) continue;
        const found: EnvEntry = { name: entry.name };
        if (typeof entry.value === 'string') {
          const action = stripped.actions.get(entry.value);
          if (action === undefined) found.value = entry.value;
          else found.valueAction = action;
        }
        const key = valueAt(entry, ['valueFrom', 'secretKeyRef', 'key']);
        if (typeof key === 'string') found.secretKeyAction = stripped.actions.get(key) ?? key;
        entries.set(entry.name, found);
      }
    }
  }
  return [...entries.values()];
}

/** `.Values.a.b`, optionally quoted: the only actions this test resolves itself. */
function valuesPathOf(action: string | undefined): string[] | undefined {
  const match = /^\.Values((?:\.\w+)+)(\s*\|\s*quote)?$/.exec(action?.trim() ?? '');
  return match ? (match[1] as string).slice(1).split('.') : undefined;
}

/**
 * The environment the chart gives the server for these values: literal and `.Values` values, and
 * the chart-managed Secret's entries (the Secret holds `secrets.X` under `secrets.keys.X`). The
 * Secrets the chart generates itself (signing key, first admin) are left out.
 */
export function podEnvironment(values: Tree): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of deploymentEnv()) {
    const valuePath = valuesPathOf(entry.valueAction);
    if (entry.value !== undefined) env[entry.name] = entry.value;
    else if (valuePath) env[entry.name] = String(valueAt(values, valuePath));
    const keyPath = valuesPathOf(entry.secretKeyAction);
    if (keyPath?.length === 3 && keyPath[0] === 'secrets' && keyPath[1] === 'keys') {
      const secret = valueAt(values, ['secrets', keyPath[2] as string]);
      if (typeof secret === 'string' && secret !== '') env[entry.name] = secret;
    }
  }
  return env;
}

/** Berth's configuration as a pod of the chart would load it: the config file and the pod's env. */
export function loadChartConfig(values: Tree): Config {
  const file = join(mkdtempSync(join(tmpdir(), 'berth-chart-')), 'berth.yaml');
  writeFileSync(file, stringify(withoutEmpty(values.config)));
  return loadConfig({ ...podEnvironment(values), BERTH_CONFIG: file });
}
