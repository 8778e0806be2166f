import { z } from 'zod';
import { configSchema, envNameOf, loadConfig } from '@berth/server';
import { isTree, type Tree } from './tree';

/** Read by the loader itself rather than mapped to a setting. */
const FILE_VARIABLE = 'BERTH_CONFIG';

/** A value no setting accepts as it is, so that every variable the loader reads changes its result. */
const PROBE = '\u0000probe';

function outcome(env: NodeJS.ProcessEnv): string {
  try {
    return JSON.stringify(loadConfig(env));
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

/** Leaf setting paths of the loader's schema, lists excluded: those come only from the file. */
function scalarSettingPaths(schema: unknown, prefix: string[] = []): string[][] {
  if (!isTree(schema)) return [];
  const properties = schema.properties;
  if (isTree(properties)) {
    return Object.entries(properties).flatMap(([key, child]) => scalarSettingPaths(child, [...prefix, key]));
  }
  return schema.type === 'array' ? [] : [prefix];
}

let cached: ReadonlySet<string> | undefined;

/**
 * The one list of BERTH_* variables the configuration loader reads. Candidates come from the
 * schema's own JSON Schema, named by the loader's envNameOf; each is kept only if setting it
 * changes what loadConfig returns, so the list is what the loader does rather than a second copy
 * of how it walks the schema.
 */
export function loaderEnvNames(): ReadonlySet<string> {
  if (cached) return cached;
  const jsonSchema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Tree;
  const baseline = outcome({});
  const read = scalarSettingPaths(jsonSchema)
    .map((path) => envNameOf(path))
    .filter((name) => outcome({ [name]: PROBE }) !== baseline);
  cached = new Set([FILE_VARIABLE, ...read]);
  return cached;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(substitution, (previous[j] as number) + 1, (current[j - 1] as number) + 1));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

export interface UnknownName {
  name: string;
  line: number;
  /** The closest name the loader reads: what a misspelt name most likely meant. */
  closest: string;
}

/** BERTH_* names in a text that the loader does not read, each with the name it probably meant. */
export function unknownBerthNames(text: string): UnknownName[] {
  const known = [...loaderEnvNames()];
  return [...text.matchAll(/\bBERTH_[A-Z0-9_]+\b/g)]
    .filter((match) => !loaderEnvNames().has(match[0]))
    .map((match) => {
      const name = match[0];
      const closest = known.reduce((best, candidate) =>
        editDistance(name, candidate) < editDistance(name, best) ? candidate : best,
      );
      return { name, line: text.slice(0, match.index).split('\n').length, closest };
    });
}

export function berthNames(text: string): string[] {
  return [...new Set([...text.matchAll(/\bBERTH_[A-Z0-9_]+\b/g)].map((match) => match[0]))];
}
