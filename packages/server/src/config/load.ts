import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { closestName } from './closest-name';
import { configSchema, SECRET_SETTINGS, type Config } from './schema';
import { keysAt, settingsOf, type Setting, type SettingPath } from './schema-walk';
import { isServiceLink, looksLikeServiceLinkValue } from './service-links';

const ENV_PREFIX = 'BERTH_';
/** Names the configuration file: read by the loader itself rather than mapped to a setting. */
const FILE_VARIABLE = 'BERTH_CONFIG';
/** The project's own test tooling (BERTH_TEST_S3, BERTH_FUZZ_SEED, BERTH_CEPH_DATA...): never settings. */
const TOOLING_PREFIXES = ['BERTH_TEST_', 'BERTH_FUZZ_', 'BERTH_CEPH_'];

/** Raised when configuration is invalid; its message names every bad setting and its variable. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** `blobs.s3.forcePathStyle` -> `BERTH_BLOBS_S3_FORCE_PATH_STYLE`. */
export function envNameOf(path: SettingPath): string {
  return (
    ENV_PREFIX +
    path
      .map((segment) =>
        String(segment)
          .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
          .toUpperCase(),
      )
      .join('_')
  );
}

const SETTINGS = settingsOf(configSchema);
/** The setting each BERTH_* variable names. */
const VARIABLES: ReadonlyMap<string, Setting> = new Map(
  SETTINGS.map((setting) => [envNameOf(setting.path), setting]),
);
if (VARIABLES.size !== SETTINGS.length) throw new Error('two settings of the schema share one variable name');

/** Every BERTH_* variable the loader reads: the file's, and each setting's but a list's. */
export function configVariables(): string[] {
  const settings = [...VARIABLES].filter(([, setting]) => setting.kind === 'value').map(([name]) => name);
  return [FILE_VARIABLE, ...settings];
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const segment of path.slice(0, -1)) {
    const next = node[segment];
    if (typeof next !== 'object' || next === null) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

function readFile(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`cannot read configuration file ${path}: ${(error as Error).message}`);
  }
  if (parsed == null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`configuration file ${path} must hold a mapping`);
  }
  return parsed as Record<string, unknown>;
}

/** A loaded configuration, and what the loader noticed on the way. */
export interface LoadedConfig {
  config: Config;
  /**
   * BERTH_* variables that are no settings and were ignored, sorted: Kubernetes service links (of a
   * Service named berth or berth-*) and the test tooling's. Worth one debug line.
   */
  ignoredVariables: string[];
}

/**
 * Loads configuration: the YAML file named by BERTH_CONFIG (if any), then environment variables,
 * which win. Throws ConfigError naming each bad setting by path and variable, each key of the file
 * and each BERTH_* variable that names no setting (with the one it probably meant), at once.
 */
export function loadConfigWithNotes(env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const raw = env.BERTH_CONFIG ? readFile(env.BERTH_CONFIG) : {};
  const problems: string[] = [];
  const ignoredVariables: string[] = [];
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (!name.startsWith(ENV_PREFIX) || name === FILE_VARIABLE || value === undefined) continue;
    const setting = VARIABLES.get(name);
    if (setting?.kind === 'value') {
      if (value !== '') setPath(raw, setting.path, value);
    } else if (setting?.kind === 'list') {
      problems.push(
        `  ${name}: ${setting.path.join('.')} is a list, which only the configuration file can give`,
      );
    } else if (isServiceLink(name, value) || TOOLING_PREFIXES.some((prefix) => name.startsWith(prefix))) {
      ignoredVariables.push(name);
    } else {
      problems.push(`  ${name}: unknown variable${variableSuggestion(name)}`);
    }
  }
  const result = configSchema.safeParse(raw, { reportInput: true });
  if (!result.success) problems.unshift(...result.error.issues.flatMap((issue) => linesOf(issue, raw, env)));
  if (problems.length > 0 || !result.success) {
    throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
  }
  return { config: result.data, ignoredVariables };
}

/** loadConfigWithNotes without the notes. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return loadConfigWithNotes(env).config;
}

/** `a.b (BERTH_A_B)`; inside a list, `a[0].b`, which no variable can set. */
function label(path: SettingPath): string {
  if (path.some((segment) => typeof segment === 'number')) {
    return path
      .map((segment) => (typeof segment === 'number' ? `[${segment}]` : `.${segment}`))
      .join('')
      .slice(1);
  }
  if (path.length === 0) return '(root)';
  const name = envNameOf(path);
  const setting = VARIABLES.get(name);
  const isGroup = keysAt(configSchema, path).length > 0;
  return setting?.kind === 'list' || isGroup ? path.join('.') : `${path.join('.')} (${name})`;
}

/** `; did you mean ...?` for a key of the file that names no setting, or nothing. */
function keySuggestion(parent: SettingPath, key: string): string {
  const sibling = closestName(key, keysAt(configSchema, parent));
  if (sibling !== undefined) return `; did you mean ${label([...parent, sibling])}?`;
  // The right name in the wrong group: `blobs.bucket` for `blobs.s3.bucket`.
  const named = SETTINGS.filter(({ path }) => path[path.length - 1]?.toLowerCase() === key.toLowerCase());
  const near = named.filter(({ path }) => parent.length > 0 && path[0] === parent[0]);
  const meant = (near.length > 0 ? near : named).slice(0, 3).map(({ path }) => label(path));
  return meant.length > 0 ? `; did you mean ${meant.join(' or ')}?` : '';
}

/** `; did you mean BERTH_X (x)?` for a variable that names no setting, or nothing. */
function variableSuggestion(name: string): string {
  const tail = (variable: string) => variable.slice(ENV_PREFIX.length);
  const known = configVariables();
  const meant = closestName(tail(name), known.map(tail));
  if (meant === undefined) return '';
  const setting = VARIABLES.get(ENV_PREFIX + meant);
  return `; did you mean ${ENV_PREFIX}${meant}${setting ? ` (${setting.path.join('.')})` : ''}?`;
}

function valueAt(tree: unknown, path: SettingPath): unknown {
  let node = tree;
  for (const segment of path) {
    node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[segment] : undefined;
  }
  return node;
}

/** The lines of one schema issue: one per unknown key, else one naming the setting. */
function linesOf(issue: z.core.$ZodIssue, raw: unknown, env: NodeJS.ProcessEnv): string[] {
  const path = issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `  ${label([...path, key])}: unknown setting${keySuggestion(path, key)}`);
  }
  return [`  ${label(path)}: ${messageOf(issue, path, raw)}${serviceLinkHint(path, env)}`];
}

function messageOf(issue: z.core.$ZodIssue, path: SettingPath, raw: unknown): string {
  if (issue.code === 'invalid_union' && 'options' in issue && Array.isArray(issue.options)) {
    const options = issue.options.filter((option): option is string => typeof option === 'string');
    return `expected ${options.slice(0, -1).join(', ')}${options.length > 1 ? ' or ' : ''}${options.at(-1) ?? ''}`;
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    // A driver's options are required only with that driver: say so.
    const group = path[path.length - 2];
    const driverPath = [...path.slice(0, -2), 'driver'];
    if (path.length >= 3 && valueAt(raw, driverPath) === group) {
      return `required when ${driverPath.join('.')} is ${String(group)}`;
    }
    return 'required';
  }
  return issue.message;
}

/** A setting whose variable holds a service link's value met a Service named like it. */
function serviceLinkHint(path: SettingPath, env: NodeJS.ProcessEnv): string {
  if (path.some((segment) => typeof segment === 'number')) return '';
  const name = envNameOf(path);
  const value = env[name];
  if (value === undefined || !looksLikeServiceLinkValue(value)) return '';
  const service = name
    .replace(/_PORT$/, '')
    .toLowerCase()
    .replace(/_/g, '-');
  return `; ${name}=${value} looks like the service link of a Service named ${service}: set enableServiceLinks: false on the pod`;
}

/** A copy of the configuration safe to print: secrets replaced. */
export function redactConfig(config: Config): Config {
  const copy = structuredClone(config) as unknown as Record<string, unknown>;
  for (const path of SECRET_SETTINGS) {
    let node: Record<string, unknown> | undefined = copy;
    for (const segment of path.slice(0, -1)) node = node?.[segment] as Record<string, unknown> | undefined;
    const leaf = path[path.length - 1] as string;
    if (node && node[leaf] !== undefined) node[leaf] = '<redacted>';
  }
  return copy as unknown as Config;
}
