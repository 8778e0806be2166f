import Ajv, { type AnySchema, type ValidateFunction } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import { CHART } from './chart';
import { readRepoFile } from './repo';

/** Helm validates with the draft the schema names; so does this test, or it would judge another language. */
function validatorFor(draft: unknown): Ajv {
  // Strict, so that a misspelt keyword is an error rather than ignored; but union types and a
  // `required` naming a property declared beside a oneOf rather than inside it are valid JSON Schema.
  const options = { allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true };
  const ajv = newValidator(draft, options);
  // Helm checks the formats the schema names; Ajv knows none without a plugin. `uri`: absolute.
  ajv.addFormat('uri', (value: string) => URL.canParse(value));
  return ajv;
}

function newValidator(draft: unknown, options: ConstructorParameters<typeof Ajv>[0]): Ajv {
  if (draft === 'http://json-schema.org/draft-07/schema#') return new Ajv(options);
  if (draft === 'https://json-schema.org/draft/2019-09/schema') return new Ajv2019(options);
  if (draft === 'https://json-schema.org/draft/2020-12/schema') return new Ajv2020(options);
  throw new Error(`values.schema.json names no draft this test knows: ${String(draft)}`);
}

let validate: ValidateFunction | undefined;

/** What values.schema.json finds wrong with a values tree, one message per problem. */
export function schemaProblems(values: unknown): string[] {
  if (!validate) {
    const schema = JSON.parse(readRepoFile(`${CHART}/values.schema.json`)) as { $schema?: unknown };
    validate = validatorFor(schema.$schema).compile(schema as AnySchema);
  }
  if (validate(values)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? ''}`);
}
