import { parse } from 'yaml';
import { CHART, chartValues, loadChartConfig, manifestTemplates } from './support/chart';
import { actionsOf, argumentOf, isComment, keywordOf } from './support/go-template';
import { readRepoFile } from './support/repo';
import { documentsOf, stripTemplate, variantsOf } from './support/template-yaml';
import { isTree, mergeValues, valueAt, type Tree } from './support/tree';

/** A `fail` of a template, with the conditions of the blocks it sits in, outermost first. */
interface Guard {
  conditions: string[];
  message: string;
}

/** The `fail` actions of one definition, each with the conditions that lead to it. */
function guardsOf(text: string, definition: string): Guard[] {
  const guards: Guard[] = [];
  const open: string[] = [];
  let inside = false;
  for (const action of actionsOf(text)) {
    if (isComment(action)) continue;
    const keyword = keywordOf(action);
    if (keyword === 'define') inside = argumentOf(action) === `"${definition}"`;
    if (!inside) continue;
    if (keyword === 'if' || keyword === 'with' || keyword === 'range') open.push(argumentOf(action));
    else if (keyword === 'else') open.splice(-1, 1, `else ${argumentOf(action)}`);
    else if (keyword === 'end' && open.pop() === undefined) inside = false;
    else if (action.body.startsWith('fail')) guards.push({ conditions: [...open], message: action.body });
  }
  return guards;
}

const helpers = readRepoFile(`${CHART}/templates/_helpers.tpl`);
const validation = guardsOf(helpers, 'berth.validate');

function guardFor(...fragments: string[]): Guard | undefined {
  return validation.find(({ conditions }) =>
    fragments.every((fragment) => conditions.some((condition) => condition.includes(fragment))),
  );
}

describe('the chart installs as it is', () => {
  it('on the embedded default: one pod, filesystem blobs and PGlite on a PersistentVolumeClaim', () => {
    const values = chartValues();
    const config = loadChartConfig(values);
    expect(config.blobs).toMatchObject({ driver: 'filesystem', filesystem: { root: '/data/blobs' } });
    expect(config.metadata).toMatchObject({ driver: 'pglite', pglite: { dataDir: '/data/metadata' } });
    expect(config.coordinator.driver).toBe('memory');
    expect(values).toMatchObject({
      replicaCount: 1,
      autoscaling: { enabled: false },
      persistence: { enabled: true, existingClaim: '' },
    });
  });

  it('switching to the stateless shape with S3, PostgreSQL and Redis values', () => {
    const stateless = mergeValues(
      chartValues(),
      parse(readRepoFile(`${CHART}/ci/stateless-values.yaml`)),
    ) as Tree;
    const config = loadChartConfig(stateless);
    expect([config.blobs.driver, config.metadata.driver, config.coordinator.driver]).toEqual([
      's3',
      'postgres',
      'redis',
    ]);
    expect(valueAt(stateless, ['autoscaling', 'enabled'])).toBe(true);
  });
});

describe('with an embedded backend the chart', () => {
  it('refuses more than one replica and autoscaling, saying how to switch', () => {
    const guard = guardFor(
      'include "berth.embedded" .',
      '.Values.autoscaling.enabled',
      '.Values.replicaCount',
    );
    expect(guard?.conditions.join(' ')).toMatch(/gt \(int \.Values\.replicaCount\) 1/);
    expect(guard?.message).toMatch(/stateless shape/);
    for (const setting of [
      'config.blobs.driver=s3',
      'config.metadata.driver=postgres',
      'config.coordinator.driver=redis',
    ]) {
      expect(guard?.message).toContain(setting);
    }
  });

  it.each([
    ['$c.blobs.s3.bucket', '"filesystem"', 'config.blobs.driver=s3'],
    ['.Values.secrets.postgresUrl', '"pglite"', 'config.metadata.driver=postgres'],
    ['.Values.secrets.redisUrl', '"memory"', 'config.coordinator.driver=redis'],
  ])(
    'refuses %s beside the %s driver, as values written for the old stateless defaults have it',
    (value, driver, fix) => {
      const guard = guardFor(value, driver);
      expect(guard?.message).toContain(fix);
    },
  );

  it('replaces its one pod with the Recreate strategy, so two pods never hold the volume', () => {
    const deployment = readRepoFile(`${CHART}/templates/deployment.yaml`);
    expect(deployment).toMatch(/\{\{- \$embedded := include "berth\.embedded" \. \}\}/);
    expect(deployment).toMatch(/\{\{- if \$embedded \}\}\n(\s*#.*\n)*\s*type: Recreate\n\s*\{\{- else \}\}/);
  });

  it('says in its notes that the release is single-replica embedded, and how to switch', () => {
    const notes = readRepoFile(`${CHART}/templates/NOTES.txt`);
    // From the embedded branch to the next section.
    const embedded =
      /\{\{- if include "berth\.embedded" \. \}\}([\s\S]*?)\nReach the registry:/.exec(notes)?.[1] ?? '';
    expect(embedded).toContain('single-replica embedded registry');
    for (const setting of [
      'config.blobs.driver=s3',
      'config.blobs.s3.bucket=',
      'config.metadata.driver=postgres',
      'secrets.postgresUrl=',
      'config.coordinator.driver=redis',
      'secrets.redisUrl=',
    ]) {
      expect(embedded).toContain(setting);
    }
  });
});

describe('every pod the chart runs', () => {
  // Service links would set BERTH_<SERVICE>_PORT and the like; Berth ignores those of its own
  // Services, but a Service named berth-http would set BERTH_HTTP_PORT, a setting.
  it('has no service links', () => {
    const pods = manifestTemplates().flatMap((file) =>
      variantsOf(stripTemplate(readRepoFile(file)).items).flatMap((variant) =>
        documentsOf(variant)
          .filter(isTree)
          .flatMap((object) => {
            const pod = valueAt(object, ['spec', 'template', 'spec']);
            return isTree(pod)
              ? [{ file, kind: object.kind, enableServiceLinks: pod.enableServiceLinks }]
              : [];
          }),
      ),
    );
    expect(new Set(pods.map(({ kind }) => kind))).toEqual(new Set(['Deployment', 'Job']));
    expect(pods.filter((pod) => pod.enableServiceLinks !== false)).toEqual([]);
  });
});
