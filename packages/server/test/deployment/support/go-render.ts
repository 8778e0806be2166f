/**
 * Go's text/template executed in JavaScript: the parser and the evaluator, with the built-in
 * functions. The functions of Sprig and Helm are given by the caller (helm-render.ts), so that this
 * file stays the language and nothing else.
 *
 * Deliberate simplifications, none of which this chart relies on: numbers are JavaScript numbers
 * (Go tells int from float64 and refuses to compare the two), maps print as `map[k:v]` without
 * Go's exact spacing rules for nested values, and `break`/`continue` are not supported.
 */

export type Value = unknown;
export type TemplateFunction = (...args: Value[]) => Value;

/** An error of the template itself, or a `fail`: Helm's message with the template and line. */
export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

type TokenKind =
  | 'string'
  | 'number'
  | 'bool'
  | 'nil'
  | 'ident'
  | 'field'
  | 'variable'
  | 'dot'
  | '('
  | ')'
  | '|'
  | ':='
  | '='
  | ',';

interface Token {
  kind: TokenKind;
  value?: Value;
  /** Whether space comes before it: `.b` right after a term is a field of it, after a space an operand. */
  spaced: boolean;
}

/** One operand of a command; `fields` are the `.a.b` applied to it. */
type Operand =
  | { kind: 'dot' }
  | { kind: 'literal'; value: Value }
  | { kind: 'function'; name: string }
  | { kind: 'chain'; base: 'dot' | { variable: string } | { pipeline: Pipeline }; fields: string[] };

interface Pipeline {
  declare: string[];
  /** `$x = v` assigns to a declared variable rather than declaring one. */
  assign: boolean;
  commands: Operand[][];
}

/** A block: its body runs, or `otherwise`, by its pipeline's value. */
interface Block {
  kind: 'if' | 'with' | 'range';
  pipeline: Pipeline;
  body: Node[];
  otherwise: Node[];
  line: number;
}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipeline: Pipeline; line: number }
  | Block
  | { kind: 'template'; name: string; pipeline: Pipeline | undefined; line: number };

interface Segment {
  text: string;
  /** The action that follows the text, if any: its body, without delimiters and trim markers. */
  action?: { body: string; line: number };
}

const SPACE = /[ \t\r\n]/;

/** Splits a template into text and actions, applying trim markers and dropping comments. */
function segmentsOf(source: string, name: string): Segment[] {
  const segments: Segment[] = [];
  let at = 0;
  let trimNext = false;
  const lineOf = (offset: number) => source.slice(0, offset).split('\n').length;
  while (at < source.length) {
    const open = source.indexOf('{{', at);
    // Each text is trimmed on its own: a marker never reaches past the comment or action beside it.
    let text = source.slice(at, open < 0 ? undefined : open);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    if (open < 0) {
      segments.push({ text });
      break;
    }
    let start = open + 2;
    const trimLeft = source[start] === '-' && SPACE.test(source[start + 1] ?? '');
    if (trimLeft) {
      start += 2;
      text = text.replace(/[ \t\r\n]+$/, '');
    }
    const end = closeOf(source, start, name, lineOf(open));
    const trimRight = source[end - 1] === '-' && SPACE.test(source[end - 2] ?? '');
    const body = source.slice(start, trimRight ? end - 2 : end).trim();
    if (!body.startsWith('/*')) segments.push({ text, action: { body, line: lineOf(open) } });
    else if (body.endsWith('*/')) segments.push({ text });
    else throw new TemplateError(`${name}:${lineOf(open)}: unclosed comment`);
    trimNext = trimRight;
    at = end + 2;
  }
  return segments;
}

/** The offset of the `}}` that closes an action starting at `start`, skipping quoted text. */
function closeOf(source: string, start: number, name: string, line: number): number {
  if (source.startsWith('/*', start)) {
    const end = source.indexOf('*/', start);
    const close = end < 0 ? -1 : source.indexOf('}}', end);
    if (close < 0) throw new TemplateError(`${name}:${line}: unclosed comment`);
    return close;
  }
  for (let i = start; i < source.length; i++) {
    const c = source[i];
    if (c === '"' || c === "'") {
      for (i++; i < source.length && source[i] !== c; i++) if (source[i] === '\\') i++;
    } else if (c === '`') {
      i = source.indexOf('`', i + 1);
      if (i < 0) break;
    } else if (c === '}' && source[i + 1] === '}') {
      return i;
    }
  }
  throw new TemplateError(`${name}:${line}: unclosed action`);
}

function unquote(literal: string): string {
  if (literal.startsWith('`')) return literal.slice(1, -1);
  // Go's escapes are a superset of what this chart uses; JSON's cover those.
  return JSON.parse(literal.replace(/\\'/g, "'").replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1')) as string;
}

function tokensOf(body: string, where: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < body.length) {
    const rest = body.slice(at);
    const space = /^[ \t\r\n]+/.exec(rest);
    if (space) {
      at += space[0].length;
      continue;
    }
    const spaced = at === 0 || SPACE.test(body[at - 1] as string);
    const push = (kind: TokenKind, length: number, value?: Value) => {
      tokens.push({ kind, value, spaced });
      at += length;
    };
    let match: RegExpExecArray | null;
    if ((match = /^"(?:[^"\\]|\\.)*"|^`[^`]*`/.exec(rest))) {
      push('string', match[0].length, unquote(match[0]));
    } else if ((match = /^[-+]?(?:0[xX][0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+)/.exec(rest))) {
      push('number', match[0].length, Number(match[0]));
    } else if ((match = /^\$[A-Za-z_0-9]*/.exec(rest))) {
      push('variable', match[0].length, match[0]);
    } else if ((match = /^\.[A-Za-z_][A-Za-z_0-9]*/.exec(rest))) {
      push('field', match[0].length, match[0].slice(1));
    } else if (rest.startsWith(':=')) {
      push(':=', 2);
    } else if (rest[0] === '.') {
      push('dot', 1);
    } else if (/^[()|=,]/.test(rest)) {
      push(rest[0] as TokenKind, 1);
    } else if ((match = /^[A-Za-z_][A-Za-z_0-9]*/.exec(rest))) {
      const word = match[0];
      if (word === 'true' || word === 'false') push('bool', word.length, word === 'true');
      else if (word === 'nil') push('nil', word.length, null);
      else push('ident', word.length, word);
    } else {
      throw new TemplateError(`${where}: unexpected ${JSON.stringify(rest[0])} in action`);
    }
  }
  return tokens;
}

class PipelineParser {
  private at = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly where: string,
  ) {}

  static parse(body: string, where: string): Pipeline {
    const parser = new PipelineParser(tokensOf(body, where), where);
    const pipeline = parser.pipeline();
    if (parser.at < parser.tokens.length) parser.fail('unexpected text after the pipeline');
    return pipeline;
  }

  private fail(message: string): never {
    throw new TemplateError(`${this.where}: ${message}`);
  }

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.at + offset];
  }

  pipeline(): Pipeline {
    const declare: string[] = [];
    let assign = false;
    // `$x :=`, `$x =` or `$k, $v :=` ahead of the commands.
    const first = this.peek();
    if (first?.kind === 'variable') {
      const second = this.peek(1);
      const third = this.peek(2);
      if (second?.kind === ':=' || second?.kind === '=') {
        declare.push(first.value as string);
        assign = second.kind === '=';
        this.at += 2;
      } else if (second?.kind === ',' && third?.kind === 'variable' && this.peek(3)?.kind === ':=') {
        declare.push(first.value as string, third.value as string);
        this.at += 4;
      }
    }
    const commands: Operand[][] = [this.command()];
    while (this.peek()?.kind === '|') {
      this.at++;
      commands.push(this.command());
    }
    return { declare, assign, commands };
  }

  private command(): Operand[] {
    const operands: Operand[] = [];
    for (;;) {
      const token = this.peek();
      if (token === undefined || token.kind === '|' || token.kind === ')') break;
      operands.push(this.operand());
    }
    if (operands.length === 0) this.fail('missing command');
    return operands;
  }

  /** A term and the fields written right after it, with no space between. */
  private operand(): Operand {
    const token = this.peek() as Token;
    this.at++;
    let operand: Operand;
    switch (token.kind) {
      case 'string':
      case 'number':
      case 'bool':
      case 'nil':
        operand = { kind: 'literal', value: token.value };
        break;
      case 'ident':
        operand = { kind: 'function', name: token.value as string };
        break;
      case 'dot':
        operand = { kind: 'dot' };
        break;
      case 'field':
        operand = { kind: 'chain', base: 'dot', fields: [token.value as string] };
        break;
      case 'variable':
        operand = { kind: 'chain', base: { variable: token.value as string }, fields: [] };
        break;
      case '(': {
        const pipeline = this.pipeline();
        if (this.peek()?.kind !== ')') this.fail('unclosed parenthesis');
        this.at++;
        operand = { kind: 'chain', base: { pipeline }, fields: [] };
        break;
      }
      default:
        this.fail(`unexpected ${token.kind}`);
    }
    for (let next = this.peek(); next?.kind === 'field' && !next.spaced; next = this.peek()) {
      this.at++;
      if (operand.kind === 'chain') operand.fields.push(next.value as string);
      else if (operand.kind === 'dot')
        operand = { kind: 'chain', base: 'dot', fields: [next.value as string] };
      else this.fail(`a field of ${operand.kind === 'function' ? operand.name : 'a literal'}`);
    }
    return operand;
  }
}

/** A parsed set of templates, by name: each file is one, and so is each `define`. */
export class TemplateSet {
  private readonly templates = new Map<string, Node[]>();

  constructor(private readonly functions: Readonly<Record<string, TemplateFunction>>) {}

  /** Parses a file into the set under its name; its `define`s join the set too. */
  add(name: string, source: string): void {
    const segments = segmentsOf(source, name);
    let index = 0;
    const where = (line: number) => `${name}:${line}`;
    /** Nodes up to an `else` or `end`, which it returns. */
    const list = (): { nodes: Node[]; closer?: { word: 'else' | 'end'; rest: string; line: number } } => {
      const nodes: Node[] = [];
      while (index < segments.length) {
        const segment = segments[index++] as Segment;
        if (segment.text !== '') nodes.push({ kind: 'text', text: segment.text });
        const action = segment.action;
        if (action === undefined) continue;
        const [, word = '', rest = ''] = /^([a-z]+)\b\s*([\s\S]*)$/.exec(action.body) ?? [];
        if (word === 'end' || word === 'else') return { nodes, closer: { word, rest, line: action.line } };
        if (word === 'if' || word === 'with' || word === 'range') {
          nodes.push(block(word, rest, action.line));
        } else if (word === 'define' || word === 'block') {
          const [, literal = '', argument = ''] =
            /^("(?:[^"\\]|\\.)*"|`[^`]*`)\s*([\s\S]*)$/.exec(rest) ?? [];
          if (literal === '') throw new TemplateError(`${where(action.line)}: ${word} without a name`);
          const defined = list();
          if (defined.closer?.word !== 'end') {
            throw new TemplateError(`${where(action.line)}: ${word} without its end`);
          }
          this.templates.set(unquote(literal), defined.nodes);
          if (word === 'block') {
            const pipeline = PipelineParser.parse(argument, where(action.line));
            nodes.push({ kind: 'template', name: unquote(literal), pipeline, line: action.line });
          }
        } else if (word === 'template') {
          const [, literal = '', argument = ''] =
            /^("(?:[^"\\]|\\.)*"|`[^`]*`)\s*([\s\S]*)$/.exec(rest) ?? [];
          const pipeline = argument === '' ? undefined : PipelineParser.parse(argument, where(action.line));
          nodes.push({ kind: 'template', name: unquote(literal), pipeline, line: action.line });
        } else if (word === 'break' || word === 'continue') {
          throw new TemplateError(`${where(action.line)}: ${word} is not supported here`);
        } else {
          nodes.push({
            kind: 'action',
            pipeline: PipelineParser.parse(action.body, where(action.line)),
            line: action.line,
          });
        }
      }
      return { nodes };
    };
    const block = (kind: 'if' | 'with' | 'range', argument: string, line: number): Node => {
      const pipeline = PipelineParser.parse(argument, where(line));
      const body = list();
      let otherwise: Node[] = [];
      if (body.closer === undefined) throw new TemplateError(`${where(line)}: ${kind} without its end`);
      if (body.closer.word === 'else') {
        const chained = /^(if|with)\b\s*([\s\S]*)$/.exec(body.closer.rest);
        if (chained) {
          // `else if x` is an if inside the else branch that shares the outer block's end.
          otherwise = [block(chained[1] as 'if' | 'with', chained[2] as string, body.closer.line)];
        } else {
          const rest = list();
          if (rest.closer?.word !== 'end') throw new TemplateError(`${where(line)}: ${kind} without its end`);
          otherwise = rest.nodes;
        }
      }
      return { kind, pipeline, body: body.nodes, otherwise, line };
    };
    const top = list();
    if (top.closer) throw new TemplateError(`${where(top.closer.line)}: ${top.closer.word} closes nothing`);
    this.templates.set(name, top.nodes);
  }

  has(name: string): boolean {
    return this.templates.has(name);
  }

  /** Executes a template with `data` as its dot and `$`, returning its output. */
  execute(name: string, data: Value, depth = 0): string {
    const nodes = this.templates.get(name);
    if (nodes === undefined) throw new TemplateError(`no template named ${JSON.stringify(name)}`);
    // Helm's own guard against a template including itself forever.
    if (depth > 1000) throw new TemplateError(`${name}: rendering is nested too deep`);
    const run = new Execution(this, this.functions, name, depth);
    return run.walk(nodes, data, [{ name: '$', value: data }]);
  }
}

interface Variable {
  name: string;
  value: Value;
}

/** Go's truth: false, 0, nil and empty strings, lists and maps are false. */
export function truth(value: Value): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string' || Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** fmt's %v, as a template prints a value; nil prints nothing, as Helm removes `<no value>`. */
export function printed(value: Value): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(printed).join(' ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `map[${entries.map(([k, v]) => `${k}:${printed(v)}`).join(' ')}]`;
  }
  return String(value);
}

function isMap(value: Value): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const BASIC = ['string', 'number', 'boolean'];

/** Go's `eq`: basic values of one kind compared, nil equal only to nil, other kinds an error. */
function equal(a: Value, b: Value): boolean {
  if (a === null || a === undefined || b === null || b === undefined) {
    return (a === null || a === undefined) === (b === null || b === undefined);
  }
  if (!BASIC.includes(typeof a) || !BASIC.includes(typeof b)) {
    throw new TemplateError('non-comparable type');
  }
  if (typeof a !== typeof b) throw new TemplateError('incompatible types for comparison');
  return a === b;
}

function ordered(a: Value, b: Value): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new TemplateError('incompatible types for comparison');
}

/** Go's own functions, which every template has. */
export const BUILTINS: Readonly<Record<string, TemplateFunction>> = {
  eq: (a, ...rest) => {
    if (rest.length === 0) throw new TemplateError('missing argument for comparison');
    return rest.some((b) => equal(a, b));
  },
  ne: (a, b) => !equal(a, b),
  lt: (a, b) => ordered(a, b) < 0,
  le: (a, b) => ordered(a, b) <= 0,
  gt: (a, b) => ordered(a, b) > 0,
  ge: (a, b) => ordered(a, b) >= 0,
  not: (a) => !truth(a),
  len: (a) => {
    if (typeof a === 'string' || Array.isArray(a)) return a.length;
    if (isMap(a)) return Object.keys(a).length;
    throw new TemplateError(`len of ${printed(a)}`);
  },
  index: (a, ...keys) =>
    keys.reduce((node, key) => {
      if (Array.isArray(node) && typeof key === 'number') return node[key] ?? null;
      if (isMap(node)) return node[String(key)] ?? null;
      throw new TemplateError(`can't index item of type ${typeof node}`);
    }, a),
  print: (...args) =>
    args
      .map((arg, i) => {
        // fmt.Sprint puts a space between operands when neither is a string.
        const previous = args[i - 1];
        const spaced = i > 0 && typeof arg !== 'string' && typeof previous !== 'string';
        return (spaced ? ' ' : '') + printed(arg);
      })
      .join(''),
  println: (...args) => `${args.map(printed).join(' ')}\n`,
  printf: (format, ...args) => sprintf(String(format), args),
};

/** fmt.Sprintf for the verbs templates use: %s, %d, %v, %q and %%. */
export function sprintf(format: string, args: Value[]): string {
  let next = 0;
  return format.replace(/%([-+# 0]*\d*(?:\.\d+)?)([a-zA-Z%])/g, (whole, _flags: string, verb: string) => {
    if (verb === '%') return '%';
    if (next >= args.length) return `%!${verb}(MISSING)`;
    const arg = args[next++];
    switch (verb) {
      case 's':
      case 'v':
        return printed(arg);
      case 'd':
        return typeof arg === 'number' ? String(Math.trunc(arg)) : `%!d(${printed(arg)})`;
      case 'q':
        return JSON.stringify(printed(arg));
      default:
        throw new TemplateError(`printf verb ${whole} is not supported`);
    }
  });
}

class Execution {
  constructor(
    private readonly set: TemplateSet,
    private readonly functions: Readonly<Record<string, TemplateFunction>>,
    private readonly name: string,
    private readonly depth: number,
  ) {}

  private fail(line: number, message: string): never {
    throw new TemplateError(`${this.name}:${line}: ${message}`);
  }

  walk(nodes: readonly Node[], dot: Value, variables: Variable[]): string {
    let out = '';
    for (const node of nodes) {
      switch (node.kind) {
        case 'text':
          out += node.text;
          break;
        case 'action': {
          const value = this.pipeline(node.pipeline, dot, variables, node.line);
          // An action that declares or assigns a variable prints nothing.
          if (node.pipeline.declare.length === 0) out += printed(value);
          break;
        }
        case 'if':
        case 'with': {
          const scope = variables.length;
          const value = this.pipeline(node.pipeline, dot, variables, node.line);
          if (truth(value)) out += this.walk(node.body, node.kind === 'with' ? value : dot, variables);
          else out += this.walk(node.otherwise, dot, variables);
          variables.length = scope;
          break;
        }
        case 'range':
          out += this.range(node, dot, variables);
          break;
        case 'template': {
          const data = node.pipeline ? this.pipeline(node.pipeline, dot, variables, node.line) : null;
          out += this.set.execute(node.name, data, this.depth + 1);
          break;
        }
      }
    }
    return out;
  }

  private range(node: Block, dot: Value, variables: Variable[]): string {
    const scope = variables.length;
    const { declare } = node.pipeline;
    const value = this.pipeline({ ...node.pipeline, declare: [] }, dot, variables, node.line);
    let items: [Value, Value][];
    if (value === null || value === undefined) items = [];
    else if (Array.isArray(value)) items = value.map((element, i) => [i, element]);
    else if (isMap(value))
      items = Object.keys(value)
        .sort()
        .map((key) => [key, value[key]]);
    else if (typeof value === 'number') items = Array.from({ length: value }, (_, i) => [i, i]);
    else this.fail(node.line, `range can't iterate over ${printed(value)}`);
    let out = '';
    for (const [key, element] of items) {
      const inner = variables.slice(0, scope);
      if (declare.length === 1) inner.push({ name: declare[0] as string, value: element });
      if (declare.length === 2) {
        inner.push(
          { name: declare[0] as string, value: key },
          { name: declare[1] as string, value: element },
        );
      }
      // The variables outside are shared objects, so assignments to them outlive the iteration.
      out += this.walk(node.body, element, inner);
    }
    if (items.length === 0) out += this.walk(node.otherwise, dot, variables);
    variables.length = scope;
    return out;
  }

  private pipeline(pipeline: Pipeline, dot: Value, variables: Variable[], line: number): Value {
    let value: Value = undefined;
    pipeline.commands.forEach((command, i) => {
      value = this.command(command, dot, variables, line, i === 0 ? [] : [value]);
    });
    for (const name of pipeline.declare) {
      if (pipeline.assign) {
        const variable = [...variables].reverse().find((v) => v.name === name);
        if (variable === undefined) this.fail(line, `undefined variable: ${name}`);
        variable.value = value;
      } else {
        variables.push({ name, value });
      }
    }
    return value;
  }

  private command(
    command: Operand[],
    dot: Value,
    variables: Variable[],
    line: number,
    piped: Value[],
  ): Value {
    const [head, ...rest] = command as [Operand, ...Operand[]];
    const argument = (operand: Operand) => this.operand(operand, dot, variables, line);
    if (head.kind === 'function') {
      const name = head.name;
      // `and` and `or` stop at the first argument that decides, as Go's do.
      if (name === 'and' || name === 'or') {
        const operands: (() => Value)[] = [
          ...rest.map((operand) => () => argument(operand)),
          ...piped.map((value) => () => value),
        ];
        let value: Value = undefined;
        for (const next of operands) {
          value = next();
          if (truth(value) === (name === 'or')) return value;
        }
        return value;
      }
      const fn = this.functions[name] ?? BUILTINS[name];
      if (fn === undefined) this.fail(line, `function "${name}" not defined`);
      try {
        return fn(...rest.map(argument), ...piped);
      } catch (error) {
        if (error instanceof TemplateError && /^\S+:\d+: /.test(error.message)) throw error;
        // Helm's own form, `at (template:line): message`, without Go's `error calling` prefix.
        this.fail(line, (error as Error).message);
      }
    }
    if (head.kind === 'chain' && (rest.length > 0 || piped.length > 0)) {
      const method = this.operand({ ...head, fields: head.fields.slice(0, -1) }, dot, variables, line);
      const field = head.fields[head.fields.length - 1];
      const fn = field !== undefined && isMap(method) ? method[field] : undefined;
      if (typeof fn !== 'function') this.fail(line, `can't give argument to non-function ${field ?? ''}`);
      return (fn as TemplateFunction)(...rest.map(argument), ...piped);
    }
    if (rest.length > 0 || piped.length > 0) this.fail(line, "can't give argument to non-function");
    return argument(head);
  }

  private operand(operand: Operand, dot: Value, variables: Variable[], line: number): Value {
    switch (operand.kind) {
      case 'dot':
        return dot;
      case 'literal':
        return operand.value;
      case 'function':
        return this.command([operand], dot, variables, line, []);
      case 'chain': {
        let value: Value;
        if (operand.base === 'dot') value = dot;
        else if ('variable' in operand.base) {
          const name = operand.base.variable;
          const variable = [...variables].reverse().find((v) => v.name === name);
          if (variable === undefined) this.fail(line, `undefined variable "${name}"`);
          value = variable.value;
        } else value = this.pipeline(operand.base.pipeline, dot, variables, line);
        for (const field of operand.fields) {
          if (typeof value === 'function') value = (value as TemplateFunction)();
          if (value === null || value === undefined) {
            this.fail(line, `nil pointer evaluating interface {}.${field}`);
          }
          if (!isMap(value)) this.fail(line, `can't evaluate field ${field} in type ${typeof value}`);
          value = value[field] ?? null;
        }
        return typeof value === 'function' && operand.fields.length > 0
          ? (value as TemplateFunction)()
          : value;
      }
    }
  }
}
