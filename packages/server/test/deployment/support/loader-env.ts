import { configVariables } from '@berth/server';
import { closestName } from '../../../src/config/closest-name';

/** The one list of BERTH_* variables the configuration loader reads: the loader's own. */
export function loaderEnvNames(): ReadonlySet<string> {
  return new Set(configVariables());
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
      const closest = closestName(name, known) ?? 'nothing close';
      return { name, line: text.slice(0, match.index).split('\n').length, closest };
    });
}

export function berthNames(text: string): string[] {
  return [...new Set([...text.matchAll(/\bBERTH_[A-Z0-9_]+\b/g)].map((match) => match[0]))];
}
