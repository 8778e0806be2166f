import { parseOptions, type BenchOptions } from './options';
import { silentProgress } from './progress';
import { MACHINE, ResultView, type BenchResult } from './results';
import { runBench } from './run-bench';

// The full benchmark takes minutes and compares against Distribution; this runs every scenario
// once at tiny sizes against Berth on the filesystem (PostgreSQL and Redis), as `npm run bench:smoke`.
describe('npm run bench:smoke', () => {
  let result: BenchResult;

  beforeAll(async () => {
    const options = parseOptions(['--smoke', '--no-json']) as BenchOptions;
    result = await runBench(options, silentProgress);
  }, 120_000);

  it('runs without failures, in under a minute', () => {
    expect(result.failures).toEqual([]);
    expect(result.durationSeconds).toBeLessThan(60);
    expect(result.targets.map((target) => target.id)).toEqual(['berth-fs']);
  });

  it('gives every scenario and every machine limit a positive figure', () => {
    const view = new ResultView(result);
    const ids = result.scenarios.map((scenario) => scenario.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'sha256',
        'loopback',
        's3rver',
        'push',
        'pull',
        'chunked',
        'small-images',
        'manifests',
        'tags',
        'parallel',
        'embedded',
      ]),
    );
    const problems: string[] = [];
    for (const scenario of result.scenarios) {
      const target = scenario.baseline ? MACHINE : 'berth-fs';
      // The redirect pull exists only on S3; CPU accounting is too coarse (10 ms) for tiny runs.
      for (const metric of scenario.metrics.filter((m) => !m.id.startsWith('pull-redirect') && !m.cpu)) {
        const values = view.values(target, metric.id);
        if (values.length === 0) problems.push(`${scenario.id} ${metric.id}: no figure`);
        else if (!values.every((value) => Number.isFinite(value) && value > 0))
          problems.push(`${scenario.id} ${metric.id}: ${values.join(', ')}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
