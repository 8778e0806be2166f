/** Plain-data helpers for parsed YAML and HCL, which arrive as `unknown`. */

export type Tree = Record<string, unknown>;

export function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Helm's merge of values files: maps merge key by key, anything else is replaced. */
export function mergeValues(base: unknown, override: unknown): unknown {
  if (!isTree(base) || !isTree(override)) return override;
  const merged: Tree = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = mergeValues(base[key], value);
  return merged;
}

/** The chart writes its `config` values to the pod's file with empty strings and nulls removed. */
export function withoutEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmpty);
  if (!isTree(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== '' && v !== null)
      .map(([k, v]) => [k, withoutEmpty(v)]),
  );
}

/** The segment that stands for "any element" of a list in a path. */
export const ELEMENT = '[]';

export type Lookup = 'found' | 'missing' | 'unknowable';

/**
 * Whether `path` leads somewhere in `tree`. Through a list it is enough for one element to have the
 * rest of the path; an empty list cannot tell, hence `unknowable`.
 */
export function lookup(tree: unknown, path: readonly string[]): Lookup {
  const [head, ...rest] = path;
  if (head === undefined) return 'found';
  if (head === ELEMENT) {
    if (!Array.isArray(tree)) return 'missing';
    if (rest.length === 0) return 'found';
    if (tree.length === 0) return 'unknowable';
    const results = tree.map((element) => lookup(element, rest));
    if (results.includes('found')) return 'found';
    return results.includes('unknowable') ? 'unknowable' : 'missing';
  }
  if (!isTree(tree) || !(head in tree)) return 'missing';
  return lookup(tree[head], rest);
}

export function valueAt(tree: unknown, path: readonly string[]): unknown {
  let node = tree;
  for (const segment of path) node = isTree(node) ? node[segment] : undefined;
  return node;
}

/** Every path to a leaf: a scalar, a list, or an empty map. */
export function leafPaths(tree: unknown, prefix: string[] = []): string[][] {
  if (!isTree(tree) || Object.keys(tree).length === 0) return [prefix];
  return Object.entries(tree).flatMap(([key, child]) => leafPaths(child, [...prefix, key]));
}
