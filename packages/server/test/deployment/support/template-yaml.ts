import { parseAllDocuments } from 'yaml';
import {
  ACTION,
  actionsOf,
  argumentOf,
  keywordOf,
  opensBlock,
  withoutComments,
  type Action,
  type Keyword,
} from './go-template';

/**
 * A chart template turned into plain YAML without Helm: inline actions become unique scalars, lines
 * holding only actions disappear, except an `nindent N` whose output takes a placeholder line at
 * indentation N, and each if/with/range renders one of its branches. What is left keeps the
 * template's own indentation, so a misplaced key or list item still breaks the YAML.
 */

type Text = { kind: 'text'; line: number; text: string };
type Output = { kind: 'output'; line: number; indent: number };
type Control = { kind: 'control'; line: number; keyword: Keyword; argument: string };
type Item =
  Text | Output | { kind: 'block'; line: number; keyword: Keyword; argument: string; branches: Item[][] };
type Piece = Text | Output | Control;

export interface StrippedTemplate {
  items: Item[];
  /** Which action each unique scalar stands for. */
  actions: ReadonlyMap<string, string>;
  /** Mistakes found while stripping, with their line numbers. */
  problems: string[];
}

const leadingSpaces = (line: string) => line.length - line.trimStart().length;

/**
 * The placeholder for an action alone on its line that re-indents its output, if it is one.
 * `previous` is the text line before it, to tell whether the output lands inside the key it follows.
 */
function outputOf(action: Action, raw: string, line: number, previous: string, problems: string[]): Output[] {
  const nindent = /\bnindent\s+(\d+)\s*$/.exec(action.body);
  if (!nindent) return [];
  const indent = Number(nindent[1]);
  // `{{- x | nindent N }}` discards the line's own indentation, so the two must agree or the line
  // reads as placed where its output is not.
  if (indent !== leadingSpaces(raw)) {
    problems.push(`line ${line}: nindent ${indent} on a line indented ${leadingSpaces(raw)}`);
  }
  if (previous.trimEnd().endsWith(':') && leadingSpaces(previous) >= indent) {
    problems.push(`line ${line}: nindent ${indent} puts the output beside \`${previous.trim()}\`, not in it`);
  }
  return [{ kind: 'output', line, indent }];
}

function piecesOf(text: string, actions: Map<string, string>, problems: string[]): Piece[] {
  const pieces: Piece[] = [];
  let previous = '';
  withoutComments(text)
    .split('\n')
    .forEach((raw, index) => {
      const line = index + 1;
      const lineActions = actionsOf(raw);
      const rest = raw.replace(ACTION, '');
      if (rest.includes('{{') || rest.includes('}}')) problems.push(`line ${line}: an action spans lines`);
      if (lineActions.length > 0 && rest.trim() === '') {
        for (const action of lineActions) {
          const keyword = keywordOf(action);
          if (keyword) pieces.push({ kind: 'control', line, keyword, argument: argumentOf(action) });
          else pieces.push(...outputOf(action, raw, line, previous, problems));
        }
        return;
      }
      if (lineActions.some((action) => keywordOf(action))) {
        problems.push(`line ${line}: control flow inside a line of text is not supported by this check`);
      }
      const replaced = raw.replace(ACTION, (_match, body: string) => {
        const token = `__action${actions.size}__`;
        actions.set(token, body);
        return token;
      });
      pieces.push({ kind: 'text', line, text: replaced });
      if (raw.trim() !== '' && !raw.trim().startsWith('#')) previous = raw;
    });
  return pieces;
}

function itemsOf(pieces: Piece[], problems: string[]): Item[] {
  let position = 0;
  const sequence = (): { items: Item[]; closer: Control | undefined } => {
    const items: Item[] = [];
    while (position < pieces.length) {
      const piece = pieces[position++] as Piece;
      if (piece.kind !== 'control') {
        items.push(piece);
      } else if (piece.keyword === 'else' || piece.keyword === 'end') {
        return { items, closer: piece };
      } else if (opensBlock(piece.keyword)) {
        const block: Item = { ...piece, kind: 'block', branches: [] };
        for (;;) {
          const branch = sequence();
          block.branches.push(branch.items);
          if (!branch.closer) {
            problems.push(`line ${piece.line}: {{ ${piece.keyword} }} has no {{ end }}`);
            break;
          }
          if (branch.closer.keyword === 'end') break;
        }
        items.push(block);
      }
    }
    return { items, closer: undefined };
  };
  const top = sequence();
  if (top.closer) problems.push(`line ${top.closer.line}: {{ ${top.closer.keyword} }} closes nothing`);
  return top.items;
}

export function stripTemplate(text: string): StrippedTemplate {
  const actions = new Map<string, string>();
  const problems: string[] = [];
  const items = itemsOf(piecesOf(text, actions, problems), problems);
  return { items, actions, problems };
}

function branchCount(items: readonly Item[]): number {
  return Math.max(
    1,
    ...items.map((item) =>
      item.kind === 'block' ? Math.max(item.branches.length, ...item.branches.map(branchCount)) : 1,
    ),
  );
}

type Line = Text | Output;

function linesOf(items: readonly Item[], variant: number): Line[] {
  return items.flatMap((item): Line[] => {
    if (item.kind !== 'block') return [item];
    const branch = item.branches[Math.min(variant, item.branches.length - 1)] ?? [];
    return linesOf(branch, variant);
  });
}

/** Whether the lines around an output at this indentation are list items, so that it is one too. */
function amongListItems(lines: readonly Line[], at: number, indent: number): boolean {
  for (const step of [-1, 1]) {
    for (let i = at + step; i >= 0 && i < lines.length; i += step) {
      const line = lines[i] as Line;
      if (line.kind !== 'text' || line.text.trim() === '' || line.text.trim().startsWith('#')) continue;
      const own = leadingSpaces(line.text);
      if (own < indent) break;
      if (own === indent) {
        if (/^-(\s|$)/.test(line.text.trim())) return true;
        break;
      }
    }
  }
  return false;
}

function yamlOf(lines: readonly Line[]): string {
  return lines
    .map((line, index) => {
      if (line.kind === 'text') return line.text;
      const pad = ' '.repeat(line.indent);
      const placeholder = `__output${index}__`;
      return amongListItems(lines, index, line.indent)
        ? `${pad}- ${placeholder}`
        : `${pad}${placeholder}: null`;
    })
    .join('\n');
}

/**
 * One YAML text per branch index: variant k takes the k-th branch of every if/with/range (its last
 * one when it has fewer), so that every branch is rendered in at least one variant.
 */
export function variantsOf(items: readonly Item[]): string[] {
  const texts = Array.from({ length: branchCount(items) }, (_, variant) => yamlOf(linesOf(items, variant)));
  return [...new Set(texts)];
}

/** The bodies of `{{ define }}` blocks, by name, as stripped items. */
export function definitionsOf(items: readonly Item[]): Map<string, Item[]> {
  return new Map(
    items.flatMap((item) =>
      item.kind === 'block' && item.keyword === 'define'
        ? [[item.argument.replace(/"/g, ''), item.branches[0] ?? []] as const]
        : [],
    ),
  );
}

/** YAML errors of a text, as messages with lines; the parser's warnings count too. */
export function yamlProblems(text: string): string[] {
  return parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true })
    .flatMap((document) => [...document.errors, ...document.warnings])
    .map((error) => error.message);
}

export function documentsOf(text: string): unknown[] {
  return parseAllDocuments(text, { uniqueKeys: true })
    .map((document) => document.toJS() as unknown)
    .filter((document) => document !== null && document !== undefined);
}
