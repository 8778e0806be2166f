import { CHART, chartValues } from './support/chart';
import { readRepoFile } from './support/repo';
import { isTree, leafPaths, lookup, valueAt } from './support/tree';

const README = `${CHART}/README.md`;

/**
 * Maps the templates hand to Kubernetes whole (`toYaml`), so the README documents them by their own
 * path rather than field by field. Lists and empty maps are leaves already and need no entry here.
 */
const PASS_THROUGH: Record<string, string> = {
  podSecurityContext: 'toYaml into the securityContext of the server and migration pods',
  securityContext: 'toYaml into the securityContext of the server and migration containers',
  resources: "toYaml into the server container's resources",
  'worker.resources': "toYaml into the worker container's resources",
  'migrations.resources': "toYaml into the migration container's resources",
  livenessProbe: 'toYaml into the server container as its livenessProbe',
  readinessProbe: 'toYaml into the server container as its readinessProbe',
  startupProbe: 'toYaml into the server container as its startupProbe',
};

interface Row {
  line: number;
  /** The paths the row's first cell names, with its sibling and brace forms expanded. */
  paths: string[];
}

/** `a.{b,c}.{d,e}` -> `a.b.d`, `a.b.e`, `a.c.d`, `a.c.e`. */
function expandBraces(path: string): string[] {
  const match = /\{([^{}]*)\}/.exec(path);
  if (!match) return [path];
  const [before, after] = [path.slice(0, match.index), path.slice(match.index + match[0].length)];
  return (match[1] as string)
    .split(',')
    .flatMap((choice) => expandBraces(`${before}${choice.trim()}${after}`));
}

/**
 * The first cells of the README's value tables (those headed `| Value |`). A cell names paths in
 * backticks; `.suffix` after a full path names a sibling of it, as in `a.b.c`, `.d` for `a.b.d`.
 */
function valueRows(markdown: string): Row[] {
  const rows: Row[] = [];
  let inTable = false;
  for (const [index, text] of markdown.split('\n').entries()) {
    const line = index + 1;
    if (!text.startsWith('|')) {
      inTable = false;
      continue;
    }
    const firstCell = (text.split('|')[1] as string).trim();
    if (firstCell === 'Value') {
      inTable = true;
      continue;
    }
    if (!inTable || /^-+$/.test(firstCell)) continue;
    const paths: string[] = [];
    let previous: string | undefined;
    for (const [, token] of firstCell.matchAll(/`([^`]+)`/g)) {
      let path = token as string;
      if (path.startsWith('.')) {
        if (previous === undefined) throw new Error(`${README}:${line} starts with a sibling form: ${path}`);
        path = previous.slice(0, previous.lastIndexOf('.')) + path;
      }
      previous = path;
      paths.push(...expandBraces(path));
    }
    rows.push({ line, paths });
  }
  return rows;
}

const values = chartValues();
const rows = valueRows(readRepoFile(README));
const documented = new Set(rows.flatMap((row) => row.paths));
const leaves = leafPaths(values).map((path) => path.join('.'));

function coveredBy(leaf: string): string | undefined {
  if (documented.has(leaf)) return leaf;
  return Object.keys(PASS_THROUGH).find((parent) => leaf.startsWith(`${parent}.`) && documented.has(parent));
}

describe(`${README} value reference`, () => {
  it('is found, with rows for most of values.yaml', () => {
    // A parser that found no table would make the stale-row check pass on nothing.
    expect(leaves.length).toBeGreaterThan(120);
    expect(rows.length).toBeGreaterThan(100);
    expect(documented).toContain('config.auth.failedLogins.burst');
    expect(documented).toContain('config.rateLimits.defaults.writes.perSecond');
  });

  it('documents every value of values.yaml', () => {
    expect(leaves.filter((leaf) => coveredBy(leaf) === undefined)).toEqual([]);
  });

  it('documents only values that exist, each as a leaf or a pass-through map', () => {
    const stale = rows.flatMap(({ line, paths }) =>
      paths
        .filter((path) => {
          const segments = path.split('.');
          if (lookup(values, segments) !== 'found') return true;
          const node = valueAt(values, segments);
          return isTree(node) && Object.keys(node).length > 0 && !(path in PASS_THROUGH);
        })
        .map((path) => `${README}:${line} ${path}`),
    );
    expect(stale).toEqual([]);
  });

  it.each(Object.entries(PASS_THROUGH))('pass-through parent %s is a map values.yaml holds', (parent) => {
    const node = valueAt(values, parent.split('.'));
    expect(isTree(node) && Object.keys(node).length > 0).toBe(true);
  });
});
