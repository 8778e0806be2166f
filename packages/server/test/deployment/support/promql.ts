/** Just enough of PromQL to tell which series a Grafana query reads and which labels it uses. */

export interface Matcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/** One vector selector: `metric{label="value", ...}`. */
export interface Selector {
  metric: string;
  matchers: Matcher[];
}

export interface QueryReferences {
  selectors: Selector[];
  /** The label lists of `by`, `without`, `on`, `ignoring`, `group_left` and `group_right`. */
  groupings: string[][];
  /** Grafana variables the query names (`$pod`, `${pod}`), built-ins such as `$__rate_interval` included. */
  variables: string[];
  /** What this reader could not make sense of; a query it cannot read is not checked. */
  problems: string[];
}

type Token =
  | { kind: 'identifier'; text: string }
  | { kind: 'string'; text: string }
  | { kind: 'range'; text: string }
  | { kind: 'punctuation'; text: string }
  | { kind: 'number'; text: string };

const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan']);
const MATCHER_OPS = new Set(['=', '!=', '=~', '!~']);
const VARIABLE = /\$(?:\{(\w+)(?:[:.][^}]*)?\}|(\w+))/g;

function unquote(literal: string): string {
  const body = literal.slice(1, -1);
  return literal.startsWith('`') ? body : body.replace(/\\(.)/g, '$1');
}

function tokensOf(query: string, problems: string[]): Token[] {
  const tokens: Token[] = [];
  const pattern =
    /\s+|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)|(\[[^\]]*\])|([A-Za-z_:][\w:]*)|(\d+(?:\.\d+)?(?:e[+-]?\d+)?(?:[a-z]+\d*)*)|(=~|!~|!=|==|<=|>=|[-+*/%^<>=(){},@])|(.)/gy;
  for (const match of query.matchAll(pattern)) {
    const [, string, range, identifier, number, punctuation, other] = match;
    if (string !== undefined) tokens.push({ kind: 'string', text: unquote(string) });
    else if (range !== undefined) tokens.push({ kind: 'range', text: range });
    else if (identifier !== undefined) tokens.push({ kind: 'identifier', text: identifier });
    else if (number !== undefined) tokens.push({ kind: 'number', text: number });
    else if (punctuation !== undefined) tokens.push({ kind: 'punctuation', text: punctuation });
    else if (other !== undefined) problems.push(`unexpected ${JSON.stringify(other)}`);
  }
  return tokens;
}

/** The selectors, groupings and variables of a PromQL query as Grafana sends it, before interpolation. */
export function queryReferences(query: string): QueryReferences {
  const problems: string[] = [];
  const variables = [...query.matchAll(VARIABLE)].map((match) => (match[1] ?? match[2]) as string);
  // Grafana interpolates variables into the text; a range like [$__rate_interval] is still a range.
  const tokens = tokensOf(query, problems);
  const selectors: Selector[] = [];
  const groupings: string[][] = [];
  const at = (i: number): Token | undefined => tokens[i];
  const isPunctuation = (i: number, text: string) => at(i)?.kind === 'punctuation' && at(i)?.text === text;

  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (isPunctuation(i, '{')) {
      problems.push('a selector without a metric name');
      continue;
    }
    if (token.kind !== 'identifier') continue;
    const word = token.text;
    if (GROUPING.has(word.toLowerCase())) {
      if (!isPunctuation(i + 1, '(')) {
        // group_left and group_right may stand without a list.
        if (!word.startsWith('group_')) problems.push(`${word} without a label list`);
        continue;
      }
      const labels: string[] = [];
      let j = i + 2;
      for (; j < tokens.length && !isPunctuation(j, ')'); j++) {
        const item = at(j) as Token;
        if (item.kind === 'identifier') labels.push(item.text);
        else if (!isPunctuation(j, ',')) problems.push(`${word} (...) holds ${JSON.stringify(item.text)}`);
      }
      groupings.push(labels);
      i = j;
      continue;
    }
    // A function or an aggregation (`sum(...)`, `sum by (le) (...)`), or a keyword: not a metric.
    const next = at(i + 1);
    const aggregation = next?.kind === 'identifier' && ['by', 'without'].includes(next.text.toLowerCase());
    if (KEYWORDS.has(word.toLowerCase()) || isPunctuation(i + 1, '(') || aggregation) continue;
    const selector: Selector = { metric: word, matchers: [] };
    selectors.push(selector);
    if (!isPunctuation(i + 1, '{')) continue;
    let j = i + 2;
    while (j < tokens.length && !isPunctuation(j, '}')) {
      const [label, op, value] = [at(j), at(j + 1), at(j + 2)];
      if (
        label?.kind !== 'identifier' ||
        op?.kind !== 'punctuation' ||
        !MATCHER_OPS.has(op.text) ||
        value?.kind !== 'string'
      ) {
        problems.push(`${word}: unreadable matcher near ${JSON.stringify(label?.text)}`);
        break;
      }
      selector.matchers.push({ label: label.text, op: op.text as Matcher['op'], value: value.text });
      j += 3;
      if (isPunctuation(j, ',')) j++;
    }
    while (j < tokens.length && !isPunctuation(j, '}')) j++;
    if (j >= tokens.length) problems.push(`${word}: selector not closed`);
    i = j;
  }
  return { selectors, groupings, variables, problems };
}

/** The labels a legend format such as `{{pod}} {{kind}}` shows. */
export function legendLabels(format: string): string[] {
  return [...format.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((match) => match[1] as string);
}
