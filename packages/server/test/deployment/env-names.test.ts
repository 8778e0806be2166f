import { z } from 'zod';
import { configSchema } from '@berth/server';
import { CHART, templateFiles } from './support/chart';
import { loaderEnvNames, unknownBerthNames } from './support/loader-env';
import { readRepoFile, repoFiles } from './support/repo';
import { TERRAFORM_MODULES } from './support/terraform';
import { isTree, leafPaths, lookup, valueAt, type Tree } from './support/tree';

/** Every deployment file that names Berth's variables, by setting them or by telling how to. */
const DEPLOYMENT_FILES = [
  ...templateFiles(),
  `${CHART}/values.yaml`,
  'Dockerfile',
  'docker-compose.yml',
  ...repoFiles('deploy', () => true),
  ...TERRAFORM_MODULES.flatMap((dir) => repoFiles(dir, (name) => name.endsWith('.tf'))),
];

describe('the BERTH_* variables deployments set', () => {
  it('are listed from the loader itself', () => {
    // A list emptied by a broken derivation would make every check below pass.
    const names = loaderEnvNames();
    expect(names).toContain('BERTH_CONFIG');
    expect(names).toContain('BERTH_BLOBS_S3_FORCE_PATH_STYLE');
    expect(names).toContain('BERTH_AUTH_SIGNING_KEY_FILE');
    expect(names).not.toContain('BERTH_AUTH_VERIFICATION_KEYS');
    expect(names.size).toBeGreaterThan(40);
  });

  it.each(DEPLOYMENT_FILES)('%s names only variables the loader reads', (file) => {
    const unknown = unknownBerthNames(readRepoFile(file)).map(
      ({ name, line, closest }) => `${file}:${line} ${name} (did you mean ${closest}?)`,
    );
    expect(unknown).toEqual([]);
  });

  it("every setting the chart's config values can hold is one the loader knows", () => {
    // Generated from the loader's schema (helm-values.test.ts checks that), so this guards the
    // generation: a chart-only setting would do nothing.
    const loaderSchema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
    const chartSchema = JSON.parse(readRepoFile(`${CHART}/values.schema.json`)) as Tree;
    // The properties of a group, over every branch of a union by driver.
    const propertiesOf = (schema: Tree): Tree =>
      Object.assign(
        {},
        ...[schema, ...(Array.isArray(schema.oneOf) ? schema.oneOf.filter(isTree) : [])].map((branch) =>
          isTree(branch.properties) ? branch.properties : {},
        ),
      ) as Tree;
    const settings = (schema: unknown): Tree =>
      Object.fromEntries(
        Object.entries(isTree(schema) ? propertiesOf(schema) : {}).map(([key, child]) => [
          key,
          isTree(child) && Object.keys(propertiesOf(child)).length > 0 ? settings(child) : null,
        ]),
      );
    const chartConfig = settings(valueAt(chartSchema, ['properties', 'config']));
    const unknown = leafPaths(chartConfig).filter((path) => lookup(settings(loaderSchema), path) !== 'found');
    expect(unknown.map((path) => path.join('.'))).toEqual([]);
    expect(leafPaths(chartConfig)).toContainEqual(['blobs', 's3', 'partSize']);
    expect(leafPaths(chartConfig).length).toBeGreaterThan(40);
  });
});
