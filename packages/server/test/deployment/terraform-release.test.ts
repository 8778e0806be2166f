import { chartValues, loadChartConfig } from './support/chart';
import { schemaProblems } from './support/chart-schema';
import { effectiveValues, releaseValues, withInputs, type ReleaseValues } from './support/helm-release';
import { loadModule, TERRAFORM_MODULES, type TerraformModule } from './support/terraform';
import { isTree, leafPaths, mergeValues, valueAt, type Tree } from './support/tree';

/**
 * What an operator passes for the variables without a default that reach the chart, as in each
 * module's README. A new module without its entry here fails below on the unresolved `${var.x}`.
 */
const INPUTS: Readonly<Record<string, Tree>> = {
  terraform: { region: 'eu-west-1', image_repository: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/berth' },
  'terraform/examples/s3-compatible': {
    image_repository: 'registry.example.com/berth',
    s3_endpoint: 'https://s3.example.internal',
    s3_bucket: 'berth-blobs',
    s3_access_key_id: 'berth',
    s3_secret_access_key: 'secret-key',
    postgres_url: 'postgres://berth:secret@db.example.internal:5432/berth?sslmode=verify-full',
    redis_url: 'rediss://:secret@redis.example.internal:6379',
  },
};

/** Whether values.yaml has the path, or a map there that takes any key (annotations, labels). */
function chartHas(chart: unknown, path: readonly string[]): boolean {
  let node = chart;
  for (const key of path) {
    if (isTree(node) && Object.keys(node).length === 0) return true;
    if (!isTree(node) || !(key in node)) return false;
    node = node[key];
  }
  return true;
}

describe.each(TERRAFORM_MODULES)('the Helm release of %s', (dir) => {
  let module: TerraformModule;
  let release: ReleaseValues;
  let values: Tree;

  beforeAll(async () => {
    module = await loadModule(dir);
    const releases = releaseValues(module);
    expect(releases).toHaveLength(1);
    release = releases[0] as ReleaseValues;
    values = withInputs(effectiveValues(chartValues(), release), module, INPUTS[dir] ?? {}) as Tree;
  });

  it("passes only values the chart's values.yaml has", () => {
    const passed = leafPaths([...release.documents, release.sets].reduce<unknown>(mergeValues, {}));
    expect(passed.length).toBeGreaterThan(10);
    expect(passed.filter((path) => !chartHas(chartValues(), path)).map((path) => path.join('.'))).toEqual([]);
  });

  it('passes values that validate against values.schema.json', () => {
    expect(schemaProblems(values)).toEqual([]);
  });

  it('sets the S3 bucket and region, the PostgreSQL and Redis URLs and auth itself', () => {
    // Explicitly, so that no chart default decides where a production registry keeps its data.
    const passed = [...release.documents, release.sets].reduce<unknown>(mergeValues, {});
    for (const path of [
      ['config', 'blobs', 's3', 'bucket'],
      ['config', 'blobs', 's3', 'region'],
      ['secrets', 'postgresUrl'],
      ['secrets', 'redisUrl'],
    ]) {
      expect(valueAt(passed, path)).toEqual(expect.stringContaining('$'));
    }
    expect(valueAt(passed, ['config', 'auth', 'enabled'])).toBe(true);
  });

  it('makes the pods load a configuration with S3, PostgreSQL, Redis and auth', () => {
    const config = loadChartConfig(values);
    expect(config.blobs).toMatchObject({
      driver: 's3',
      s3: { bucket: valueAt(values, ['config', 'blobs', 's3', 'bucket']) },
    });
    expect(config.blobs.s3?.region).toBe(valueAt(values, ['config', 'blobs', 's3', 'region']));
    expect(config.metadata).toMatchObject({
      driver: 'postgres',
      postgres: { url: valueAt(values, ['secrets', 'postgresUrl']) },
    });
    expect(config.coordinator).toMatchObject({
      driver: 'redis',
      redis: { url: valueAt(values, ['secrets', 'redisUrl']) },
    });
    expect(config.auth.enabled).toBe(true);
  });
});
