import { createRequire } from 'node:module';
import { readRepoFile, repoDirs, repoFiles } from './repo';
import { isTree, type Tree } from './tree';

/**
 * The two functions used of @cdktf/hcl2json. Its own declarations say `/// <reference lib="dom" />`,
 * which would give every file of the type check DOM's fetch types, so they are not imported.
 */
interface Hcl2Json {
  parse(filename: string, contents: string): Promise<unknown>;
  getReferencesInExpression(filename: string, expression: string): Promise<{ value: string }[]>;
}

let loaded: Hcl2Json | undefined;

/** Loaded on first use: loading starts the parser's WebAssembly, which files listing modules need not. */
function hcl2json(): Hcl2Json {
  loaded ??= createRequire(__filename)('@cdktf/hcl2json') as Hcl2Json;
  return loaded;
}

/** A Terraform module: its .tf files parsed by HashiCorp's HCL parser (as WebAssembly) and merged. */
export interface TerraformModule {
  dir: string;
  files: string[];
  config: Tree;
}

/** The root module and every example root module. */
export const TERRAFORM_MODULES = ['terraform', ...repoDirs('terraform/examples')];

/** Blocks of all files together, as `terraform` does: lists of blocks concatenate, maps merge. */
function mergeHcl(a: unknown, b: unknown): unknown {
  if (Array.isArray(a) && Array.isArray(b)) return [...(a as unknown[]), ...(b as unknown[])];
  if (!isTree(a) || !isTree(b)) return b ?? a;
  const merged: Tree = { ...a };
  for (const [key, value] of Object.entries(b)) merged[key] = mergeHcl(a[key], value);
  return merged;
}

export async function loadModule(dir: string): Promise<TerraformModule> {
  const files = repoFiles(dir, (name) => name.endsWith('.tf'));
  let config: unknown = {};
  for (const file of files) config = mergeHcl(config, await hcl2json().parse(file, readRepoFile(file)));
  return { dir, files, config: config as Tree };
}

/** Named blocks of one kind (`variable`, `output`) or of one type (`resource aws_s3_bucket`). */
export function blocks(module: TerraformModule, ...kind: string[]): Map<string, Tree> {
  let node: unknown = module.config;
  for (const key of kind) node = isTree(node) ? node[key] : undefined;
  if (!isTree(node)) return new Map();
  return new Map(
    Object.entries(node).map(([name, list]) => [name, (Array.isArray(list) ? list[0] : list) as Tree]),
  );
}

/** A block's nested block (`rule`, `filter`): HCL gives a list of them. */
export function nested(block: unknown, name: string): Tree[] {
  const value = isTree(block) ? block[name] : undefined;
  return Array.isArray(value) ? value.filter(isTree) : isTree(value) ? [value] : [];
}

/** Every `locals` block merged. */
export function locals(module: TerraformModule): Tree {
  const list = module.config.locals;
  return Object.assign({}, ...(Array.isArray(list) ? list.filter(isTree) : [])) as Tree;
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (isTree(value)) return Object.values(value).flatMap(strings);
  return [];
}

/** References (`var.x`, `local.y`, `aws_s3_bucket.b.id`) in a value, found by the HCL parser. */
export async function references(value: unknown): Promise<string[]> {
  const found: string[] = [];
  for (const text of strings(value).filter((s) => s.includes('${'))) {
    for (const reference of await hcl2json().getReferencesInExpression('reference.tf', text))
      found.push(reference.value);
  }
  return found;
}

/** Names of the variables referenced in a value, `var.x.y` giving `x`. */
export async function variablesReferenced(value: unknown): Promise<Set<string>> {
  return new Set(
    (await references(value))
      .filter((ref) => ref.startsWith('var.'))
      .map((ref) => ref.split('.')[1] as string),
  );
}

/** `${...}` of a single reference, or undefined for literals and compound expressions. */
export function soleReference(value: unknown): string | undefined {
  return typeof value === 'string' ? /^\$\{([\w.-]+)\}$/.exec(value)?.[1] : undefined;
}
