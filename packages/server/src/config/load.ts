import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { configSchema, SECRET_SETTINGS, type Config } from './schema';

const ENV_PREFIX = 'BERTH_';

/** Raised when configuration is invalid; its message names every bad setting and its variable. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** `blobs.s3.forcePathStyle` -> `BERTH_BLOBS_S3_FORCE_PATH_STYLE`. */
export function envNameOf(path: readonly (string | number | symbol)[]): string {
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

type Shape = Record<string, z.ZodType>;

function objectShapeOf(schema: z.ZodType): Shape | undefined {
  let current: z.ZodType = schema;
  // Defaults, optionals and refinements wrap the object schema; look through them.
  for (;;) {
    if (current instanceof z.ZodObject) return current.shape as Shape;
    if (
      current instanceof z.ZodDefault ||
      current instanceof z.ZodOptional ||
      current instanceof z.ZodPrefault
    ) {
      current = current.unwrap() as z.ZodType;
      continue;
    }
    if (current instanceof z.ZodPipe) {
      current = current.in as z.ZodType;
      continue;
    }
    return undefined;
  }
}

/** Every leaf setting path of the schema, so each one can be read from its environment variable. */
function settingPaths(schema: z.ZodType, prefix: string[] = []): string[][] {
  const shape = objectShapeOf(schema);
  if (!shape) return [prefix];
  return Object.entries(shape).flatMap(([key, child]) => settingPaths(child, [...prefix, key]));
}

const SETTING_PATHS = settingPaths(configSchema);

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

/**
 * Loads configuration: the YAML file named by BERTH_CONFIG (if any), then environment variables,
 * which win. Throws ConfigError naming each bad setting by path and variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw = env.BERTH_CONFIG ? readFile(env.BERTH_CONFIG) : {};
  for (const path of SETTING_PATHS) {
    const value = env[envNameOf(path)];
    if (value !== undefined && value !== '') setPath(raw, path, value);
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const path = issue.path.map(String);
      return `  ${path.join('.') || '(root)'} (${envNameOf(path)}): ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
  }
  return result.data;
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
