import { actionsOf, argumentOf, isComment, keywordOf, opensBlock, type Action } from './go-template';
import { ELEMENT } from './tree';

/**
 * `.Values` paths a template reads. Scoping is followed as far as this chart uses it: `$` and
 * `.` at the top and in definitions are the root; `with X` and `range X` move `.` to X or to an
 * element of X; `$v := X` (also `deepCopy X` and `append X ...`) makes `$v` stand for X.
 * Anything else, such as a definition's argument other than the root, is not followed.
 */

/** What `.` or a variable stands for: the root, a place in the values, or something not followed. */
type Scope = { kind: 'root' } | { kind: 'values'; path: string[] } | { kind: 'other' };

export interface ValuesRef {
  path: string[];
  line: number;
}

interface Frame {
  dot: Scope;
  variables: Map<string, Scope>;
}

const ROOT: Scope = { kind: 'root' };
const OTHER: Scope = { kind: 'other' };
const CHAIN = /(\$[A-Za-z_]\w*|\$)?((?:\.[A-Za-z_]\w*)+|\.(?![\w.]))/g;
const FIRST_OF = /\(first\s+(\S+?)\)((?:\.[A-Za-z_]\w*)+)/g;

function within(scope: Scope, fields: string[]): Scope {
  if (fields.length === 0) return scope;
  if (scope.kind === 'values') return { kind: 'values', path: [...scope.path, ...fields] };
  if (scope.kind === 'root' && fields[0] === 'Values') return { kind: 'values', path: fields.slice(1) };
  return OTHER;
}

function elementOf(scope: Scope): Scope {
  return scope.kind === 'values' ? { kind: 'values', path: [...scope.path, ELEMENT] } : OTHER;
}

/** Resolves `$`, `$v`, `$v.a.b`, `.a.b` or `.` in a frame. */
function resolve(variable: string | undefined, chain: string, frame: Frame): Scope {
  const fields = chain === '.' || chain === '' ? [] : chain.slice(1).split('.');
  if (variable === undefined) return within(frame.dot, fields);
  if (variable === '$') return within(ROOT, fields);
  return within(frame.variables.get(variable.slice(1)) ?? OTHER, fields);
}

const PIPELINE_REF =
  /^(deepCopy\s+|append\s+)?(?:(\$[A-Za-z_]\w*|\$)((?:\.[A-Za-z_]\w*)*)|((?:\.[A-Za-z_]\w*)+|\.))(?=\s|$)/;

/** The scope a whole pipeline stands for, when it is a plain reference or an alias-keeping call. */
function scopeOfPipeline(pipeline: string, frame: Frame): Scope {
  const text = pipeline.trim();
  const match = PIPELINE_REF.exec(text);
  if (!match) return OTHER;
  // `append $list x` is still that list; anything else after the reference makes something new.
  if (match[1]?.startsWith('append') !== true && match[0] !== text) return OTHER;
  return match[2] === undefined
    ? resolve(undefined, match[4] as string, frame)
    : resolve(match[2], match[3] as string, frame);
}

/** String literals blanked out: their dots (file names, formats) are not field chains. */
function codeOf(body: string): string {
  return body.replace(/"(?:[^"\\]|\\.)*"|`[^`]*`/g, (literal) => ' '.repeat(literal.length));
}

function referencesIn(body: string, frame: Frame, line: number): ValuesRef[] {
  const refs: ValuesRef[] = [];
  const add = (scope: Scope) => {
    if (scope.kind === 'values') refs.push({ path: scope.path, line });
  };
  let code = codeOf(body);
  code = code.replace(FIRST_OF, (whole, list: string, fields: string) => {
    const listScope = scopeOfPipeline(list, frame);
    add(listScope);
    add(within(elementOf(listScope), fields.slice(1).split('.')));
    return ' '.repeat(whole.length);
  });
  for (const match of code.matchAll(CHAIN)) {
    const before = code[match.index - 1] ?? ' ';
    // `x).y` and `a.b` inside a longer word are not chains that start here.
    if (/[\w)\]]/.test(before)) continue;
    add(resolve(match[1], match[2] as string, frame));
  }
  return refs;
}

function declare(body: string, frame: Frame): void {
  const range = /^range\s+(?:\$(\w+)\s*,\s*)?\$(\w+)\s*:=\s*(.+)$/.exec(body);
  if (range) {
    if (range[1] !== undefined) frame.variables.set(range[1], OTHER);
    frame.variables.set(range[2] as string, elementOf(scopeOfPipeline(range[3] as string, frame)));
    return;
  }
  const assignment = /^(?:[a-z]+\s+)?\$(\w+)\s*:?=\s*(.+)$/s.exec(body);
  if (assignment)
    frame.variables.set(assignment[1] as string, scopeOfPipeline(assignment[2] as string, frame));
}

function frameFor(action: Action, parent: Frame): Frame {
  const keyword = keywordOf(action);
  const pipeline = argumentOf(action).replace(/^(?:\$\w+\s*,\s*)?\$\w+\s*:=\s*/, '');
  const frame: Frame = { dot: parent.dot, variables: new Map(parent.variables) };
  if (keyword === 'define' || keyword === 'block') return { dot: ROOT, variables: new Map() };
  if (keyword === 'with' || action.body.startsWith('else with'))
    frame.dot = scopeOfPipeline(pipeline, parent);
  if (keyword === 'range') frame.dot = elementOf(scopeOfPipeline(pipeline, parent));
  return frame;
}

export function valuesReferences(text: string): ValuesRef[] {
  const stack: Frame[] = [{ dot: ROOT, variables: new Map() }];
  const refs: ValuesRef[] = [];
  for (const action of actionsOf(text)) {
    if (isComment(action)) continue;
    const keyword = keywordOf(action);
    const current = stack[stack.length - 1] as Frame;
    if (keyword === 'end') {
      if (stack.length > 1) stack.pop();
      continue;
    }
    if (keyword === 'else') {
      // An else branch sees what the block's parent saw, unless it is `else with`.
      stack.pop();
      const parent = stack[stack.length - 1] as Frame;
      refs.push(...referencesIn(argumentOf(action), parent, action.line));
      stack.push(frameFor(action, parent));
      continue;
    }
    refs.push(...referencesIn(opensBlock(keyword) ? argumentOf(action) : action.body, current, action.line));
    if (opensBlock(keyword)) {
      const frame = frameFor(action, current);
      declare(action.body, frame);
      stack.push(frame);
    } else {
      declare(action.body, current);
    }
  }
  return refs;
}
