import { blocks, locals, soleReference, type TerraformModule } from './terraform';
import { isTree, mergeValues, type Tree } from './tree';

/** The chart values a `helm_release` passes, as far as Terraform's text tells them. */
export interface ReleaseValues {
  release: string;
  /** `values` documents, in order, each a `yamlencode(local.X)`. */
  documents: Tree[];
  /** `set`, `set_sensitive` and `set_list` entries as a values tree. */
  sets: Tree;
}

/** `a.b\.c` -> ['a', 'b.c']: Helm's --set path syntax. */
function setPath(name: string): string[] {
  return name.split(/(?<!\\)\./).map((segment) => segment.replace(/\\\./g, '.'));
}

function treeOf(path: string[], value: unknown): Tree {
  return path.reduceRight<Tree>((child, key) => ({ [key]: child }), value as Tree);
}

export function releaseValues(module: TerraformModule): ReleaseValues[] {
  const defined = locals(module);
  return [...blocks(module, 'resource', 'helm_release')].map(([release, block]) => {
    const text = [block.values].flat().join('\n');
    const names = [...text.matchAll(/yamlencode\(\s*local\.([\w-]+)\s*\)/g)].map(
      (match) => match[1] as string,
    );
    // Objects written inline in an expression reach this parser as unparsed text; a local is data.
    if (names.length !== text.split('yamlencode(').length - 1) {
      throw new Error(`${module.dir}: helm_release.${release} yamlencodes something other than a local`);
    }
    const documents = names.map((name) => {
      const document = defined[name];
      if (!isTree(document)) throw new Error(`${module.dir}: local.${name} is not an object`);
      return document;
    });
    const entries = ['set', 'set_sensitive', 'set_list'].flatMap((kind) => [block[kind] ?? []].flat());
    const sets = entries
      .filter(isTree)
      .reduce<Tree>(
        (tree, entry) => mergeValues(tree, treeOf(setPath(String(entry.name)), entry.value)) as Tree,
        {},
      );
    return { release, documents, sets };
  });
}

/**
 * A release's values with each `${var.x}` replaced by what an operator passes (`inputs`) or by x's
 * default, and each `${local.y}` by y's expression; resource attributes stay as their text.
 */
export function withInputs(value: unknown, module: TerraformModule, inputs: Readonly<Tree>): unknown {
  if (Array.isArray(value)) return value.map((element) => withInputs(element, module, inputs));
  if (isTree(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withInputs(v, module, inputs)]));
  }
  const [kind, name = ''] = soleReference(value)?.split('.') ?? [];
  if (kind === 'local' && name in locals(module)) return withInputs(locals(module)[name], module, inputs);
  if (kind !== 'var') return value;
  if (name in inputs) return inputs[name];
  const variable = blocks(module, 'variable').get(name);
  return variable && 'default' in variable ? variable.default : value;
}

/** Chart defaults overridden by everything the release passes, in Helm's order. */
export function effectiveValues(chart: Tree, release: ReleaseValues): Tree {
  return [...release.documents, release.sets].reduce<Tree>(
    (values, doc) => mergeValues(values, doc) as Tree,
    chart,
  );
}
