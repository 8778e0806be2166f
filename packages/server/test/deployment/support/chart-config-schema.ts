import { z } from 'zod';
import { configSchema } from '@berth/server';
import { isTree, type Tree } from './tree';

/*
 * The `config` section of the chart's values.schema.json, derived from Berth's own configuration
 * schema: the bounds, defaults and keys of every setting come from there (the adapters' option
 * schemas included), so the chart cannot take a value Berth refuses, nor refuse one it takes. What
 * the chart changes is listed here, each with its reason. `scripts/generate-helm-schema.ts` writes
 * the result into values.schema.json, and helm-values.test.ts checks that the file holds it.
 */

/** Settings the chart gives Berth itself, outside `config`: a value there would be ignored or leak. */
export const CHART_SETTINGS: Readonly<Record<string, string>> = {
  'http.host': 'every address of the pod (BERTH_HTTP_HOST)',
  'http.port': 'containerPort (BERTH_HTTP_PORT)',
  'blobs.s3.accessKeyId': 'secrets.s3AccessKeyId, from the Secret',
  'blobs.s3.secretAccessKey': 'secrets.s3SecretAccessKey, from the Secret',
  'metadata.postgres.url': 'secrets.postgresUrl, from the Secret',
  'coordinator.redis.url': 'secrets.redisUrl, from the Secret',
  'auth.signingKey': 'auth.signingKey, a Secret mounted as a file',
  'auth.initialAdmin': 'auth.initialAdmin, from a Secret',
};

/** Settings the templates read as they are (to pick volumes, Secrets and Jobs), so values keep them. */
export const CHART_READS: readonly string[] = ['blobs.driver', 'metadata.driver', 'coordinator.driver'];

/** What a setting left empty in values.yaml is: the chart omits it, so Berth's default applies. */
const EMPTY: Tree = { type: 'string', maxLength: 0 };

/** Every object schema that `path` (dotted) leads to, through each branch of a oneOf. */
function objectsAt(schema: Tree, path: readonly string[]): Tree[] {
  const branches = Array.isArray(schema.oneOf) ? schema.oneOf.filter(isTree) : [schema];
  const [head, ...rest] = path;
  if (head === undefined) return branches.filter((branch) => isTree(branch.properties));
  return branches.flatMap((branch) => {
    const child = isTree(branch.properties) ? branch.properties[head] : undefined;
    return isTree(child) ? objectsAt(child, rest) : [];
  });
}

function required(object: Tree): string[] {
  return Array.isArray(object.required) ? (object.required as string[]) : [];
}

function setRequired(object: Tree, keys: string[]): void {
  if (keys.length > 0) object.required = keys;
  else delete object.required;
}

/** A value schema that `''` already satisfies needs no second branch for it. */
function takesEmpty(schema: Tree): boolean {
  return (
    schema.type === 'string' &&
    !['minLength', 'pattern', 'format', 'enum', 'const'].some((keyword) => keyword in schema)
  );
}

/**
 * Optional values of every group below `schema` may also be `''`, as values.yaml leaves them: the
 * chart drops those from maps. Not inside lists, which it passes on as they are.
 */
function allowEmpty(schema: Tree): void {
  for (const branch of Array.isArray(schema.oneOf) ? schema.oneOf.filter(isTree) : []) allowEmpty(branch);
  if (!isTree(schema.properties)) return;
  for (const [key, child] of Object.entries(schema.properties)) {
    if (!isTree(child) || child.type === 'array') continue;
    if (isTree(child.properties) || Array.isArray(child.oneOf)) allowEmpty(child);
    else if (!required(schema).includes(key) && !takesEmpty(child)) {
      schema.properties[key] = { anyOf: [child, EMPTY] };
    }
  }
}

/** The JSON Schema of Berth's configuration as values.yaml gives it: draft 7, as the chart's file. */
export function chartConfigSchema(): Tree {
  const schema = z.toJSONSchema(configSchema, {
    target: 'draft-7',
    io: 'input',
    override: ({ zodSchema, jsonSchema }) => {
      // A boolean setting also takes `true` and `off` as words, for environment variables. Values
      // are YAML, and templates test them as they are: the word "false" would be true there.
      const def = zodSchema._zod.def;
      if (def.type === 'union' && def.options.some((option) => option._zod.def.type === 'boolean')) {
        for (const key of Object.keys(jsonSchema)) delete (jsonSchema as Tree)[key];
        jsonSchema.type = 'boolean';
      }
    },
  }) as Tree;
  delete schema.$schema;
  for (const path of Object.keys(CHART_SETTINGS).map((setting) => setting.split('.'))) {
    const key = path[path.length - 1] as string;
    for (const object of objectsAt(schema, path.slice(0, -1))) {
      delete (object.properties as Tree)[key];
      setRequired(
        object,
        required(object).filter((name) => name !== key),
      );
    }
  }
  for (const path of CHART_READS.map((setting) => setting.split('.'))) {
    const key = path[path.length - 1] as string;
    for (const object of objectsAt(schema, path.slice(0, -1))) {
      if (!required(object).includes(key)) setRequired(object, [...required(object), key]);
    }
  }
  allowEmpty(schema);
  schema.description =
    "Berth's configuration tree (config/berth.example.yaml), generated from its schema by " +
    'scripts/generate-helm-schema.ts. Credentials belong in `secrets`.';
  return schema;
}
