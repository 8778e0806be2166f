import {
  blocks,
  loadModule,
  nested,
  TERRAFORM_MODULES,
  variablesReferenced,
  type TerraformModule,
} from './support/terraform';
import { isTree, type Tree } from './support/tree';

/** Terraform before 1.9 refuses validation conditions that refer to anything but their own variable. */
const CROSS_VARIABLE_VALIDATION = [1, 9];

function terraformBlock(module: TerraformModule): Tree {
  const list = module.config.terraform;
  return Object.assign({}, ...(Array.isArray(list) ? list.filter(isTree) : [])) as Tree;
}

function minimumVersion(constraint: unknown): number[] {
  const version = /(\d+)\.(\d+)/.exec(String(constraint));
  return version ? [Number(version[1]), Number(version[2])] : [0, 0];
}

function atLeast(version: number[], minimum: number[]): boolean {
  const [major = 0, minor = 0] = version;
  const [wantMajor = 0, wantMinor = 0] = minimum;
  return major > wantMajor || (major === wantMajor && minor >= wantMinor);
}

/** Providers the module's resources, data sources and provider blocks belong to. */
function providersUsed(module: TerraformModule): Set<string> {
  const types = ['resource', 'data'].flatMap((kind) =>
    Object.keys((module.config[kind] as Tree | undefined) ?? {}),
  );
  const providers = types.map((type) => type.split('_')[0] as string).filter((name) => name !== 'terraform');
  return new Set([...providers, ...Object.keys((module.config.provider as Tree | undefined) ?? {})]);
}

/** A constraint with an upper bound: `~> 6.0`, `>= 6.0, < 7.0` or an exact version. */
const PINNED = /~>|<|^\s*=?\s*v?\d+\.\d+/;

/** Terraform prints error messages inside its own sentences, and used to refuse any other shape. */
const SENTENCE = /^[A-Z][\s\S]*[.?]$/;

describe.each(TERRAFORM_MODULES)('Terraform module %s', (dir) => {
  let module: TerraformModule;

  beforeAll(async () => {
    module = await loadModule(dir);
  });

  it('has .tf files the HCL parser reads', () => {
    expect(module.files.length).toBeGreaterThan(0);
    expect(Object.keys(module.config)).toEqual(expect.arrayContaining(['variable', 'terraform']));
  });

  it('declares every variable it uses and uses every variable it declares', async () => {
    const declared = new Set(blocks(module, 'variable').keys());
    const used = await variablesReferenced({ ...module.config, variable: undefined });
    expect([...used].filter((name) => !declared.has(name))).toEqual([]);
    expect([...declared].filter((name) => !used.has(name))).toEqual([]);
  });

  it('describes and types every variable', () => {
    const undocumented = [...blocks(module, 'variable')]
      .filter(
        ([, variable]) =>
          typeof variable.description !== 'string' || variable.description.trim() === '' || !variable.type,
      )
      .map(([name]) => name);
    expect(undocumented).toEqual([]);
  });

  it('validates variables by their own value and explains failures in a sentence', async () => {
    const ownOnly = !atLeast(
      minimumVersion(terraformBlock(module).required_version),
      CROSS_VARIABLE_VALIDATION,
    );
    const problems: string[] = [];
    for (const [name, variable] of blocks(module, 'variable')) {
      for (const rule of nested(variable, 'validation')) {
        const referenced = await variablesReferenced(rule.condition);
        if (!referenced.has(name)) problems.push(`${name}: the condition does not test var.${name}`);
        const others = [...referenced].filter((other) => other !== name);
        if (ownOnly && others.length > 0)
          problems.push(`${name}: the condition refers to ${others.join(', ')}`);
        if (!SENTENCE.test(String(rule.error_message ?? '')))
          problems.push(`${name}: "${rule.error_message}"`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('describes every output', () => {
    const undocumented = [...blocks(module, 'output')]
      .filter(([, output]) => typeof output.description !== 'string' || output.description.trim() === '')
      .map(([name]) => name);
    expect(blocks(module, 'output').size).toBeGreaterThan(0);
    expect(undocumented).toEqual([]);
  });

  it('pins Terraform and the source and version of every provider it uses', () => {
    const settings = terraformBlock(module);
    expect(settings.required_version).toEqual(expect.stringMatching(/\d/));
    const required = Object.assign({}, ...nested(settings, 'required_providers')) as Tree;
    const unpinned = [...providersUsed(module)].filter((name) => {
      const provider = required[name];
      return (
        !isTree(provider) || typeof provider.source !== 'string' || !PINNED.test(String(provider.version))
      );
    });
    expect(unpinned).toEqual([]);
  });
});
