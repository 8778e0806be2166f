import { isTree, type Tree } from './tree';

/** Reading a Grafana dashboard's JSON model: its panels, their queries and its variables. */

/** Every panel, those inside rows (collapsed rows keep theirs in `panels`) included. */
export function panelsOf(dashboard: Tree): Tree[] {
  const walk = (panels: unknown): Tree[] =>
    (Array.isArray(panels) ? panels : []).filter(isTree).flatMap((panel) => [panel, ...walk(panel.panels)]);
  return walk(dashboard.panels);
}

export function variablesOf(dashboard: Tree): Tree[] {
  const templating = dashboard.templating;
  return isTree(templating) && Array.isArray(templating.list) ? templating.list.filter(isTree) : [];
}

/** One PromQL query the dashboard sends, named the way a reader finds it. */
export interface DashboardQuery {
  where: string;
  expr: string;
  /** The legend format of a panel's query; undefined for a variable's. */
  legend?: string;
  /** The label a `label_values(expr, label)` variable lists. */
  listsLabel?: string;
}

/** The query of a query variable: a string, or `{ query }` as newer Grafana versions save it. */
function variableQuery(variable: Tree): string | undefined {
  const query = isTree(variable.query) ? variable.query.query : variable.query;
  return typeof query === 'string' ? query : undefined;
}

export function queriesOf(dashboard: Tree): DashboardQuery[] {
  const queries: DashboardQuery[] = [];
  for (const panel of panelsOf(dashboard)) {
    const targets = Array.isArray(panel.targets) ? panel.targets.filter(isTree) : [];
    for (const target of targets) {
      queries.push({
        where: `panel ${String(panel.id)} "${String(panel.title)}" ${String(target.refId)}`,
        expr: typeof target.expr === 'string' ? target.expr : '',
        legend: typeof target.legendFormat === 'string' ? target.legendFormat : '',
      });
    }
  }
  for (const variable of variablesOf(dashboard).filter((v) => v.type === 'query')) {
    const query = variableQuery(variable) ?? '';
    const labelValues = /^\s*label_values\(\s*([\s\S]+?)\s*,\s*(\w+)\s*\)\s*$/.exec(query);
    queries.push({
      where: `variable $${String(variable.name)}`,
      expr: labelValues ? (labelValues[1] as string) : query,
      ...(labelValues ? { listsLabel: labelValues[2] } : {}),
    });
  }
  return queries;
}

/** Every `datasource` field anywhere in the model, with the path to it. */
export function datasourceReferences(model: unknown, path = ''): { path: string; value: unknown }[] {
  if (Array.isArray(model)) return model.flatMap((item, i) => datasourceReferences(item, `${path}[${i}]`));
  if (!isTree(model)) return [];
  return Object.entries(model).flatMap(([key, value]) => [
    ...(key === 'datasource' ? [{ path: `${path}.${key}`, value }] : []),
    ...datasourceReferences(value, `${path}.${key}`),
  ]);
}
