/** Just enough of Go's text/template syntax to read a Helm chart without Helm. */

export interface Action {
  /** The action without its delimiters and trim markers. */
  body: string;
  /** 1-based line of the opening delimiter. */
  line: number;
  start: number;
  end: number;
}

/** One `{{ ... }}` action, trim markers outside the captured body. */
export const ACTION = /\{\{-?\s*([\s\S]*?)\s*-?\}\}/g;

export function actionsOf(text: string): Action[] {
  return [...text.matchAll(ACTION)].map((match) => ({
    body: match[1] as string,
    line: text.slice(0, match.index).split('\n').length,
    start: match.index,
    end: match.index + match[0].length,
  }));
}

export function isComment(action: Action): boolean {
  return action.body.startsWith('/*');
}

/** Comments removed, newlines kept, so that line numbers still point into the file. */
export function withoutComments(text: string): string {
  return text.replace(ACTION, (match, body: string) =>
    body.startsWith('/*') ? match.replace(/[^\n]/g, '') : match,
  );
}

export type Keyword = 'if' | 'with' | 'range' | 'define' | 'block' | 'else' | 'end';

const KEYWORDS: ReadonlySet<string> = new Set(['if', 'with', 'range', 'define', 'block', 'else', 'end']);

/** The control keyword an action starts with, if any: `else if x` is an `else`. */
export function keywordOf(action: Action): Keyword | undefined {
  const word = /^[a-z]+/.exec(action.body)?.[0];
  return word !== undefined && KEYWORDS.has(word) ? (word as Keyword) : undefined;
}

export function opensBlock(keyword: Keyword | undefined): boolean {
  return (
    keyword === 'if' ||
    keyword === 'with' ||
    keyword === 'range' ||
    keyword === 'define' ||
    keyword === 'block'
  );
}

/** What follows the keyword: the pipeline of `if x`, `with x`, `range $k, $v := x`, `else with x`. */
export function argumentOf(action: Action): string {
  return action.body.replace(/^(else\s+)?(if|with|range|define|block)?\s*/, '');
}
