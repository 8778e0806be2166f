import { loadConfig } from '@berth/server';
import { copiesOf, envOf, stagesOf, type Stage } from './support/dockerfile';
import { readRepoFile } from './support/repo';

const stages = stagesOf(readRepoFile('Dockerfile'));
const runtime = stages[stages.length - 1] as Stage;
const stageNamed = (name: string | undefined) => stages.find((stage) => stage.name === name);
const runs = (stage: Stage) => stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);

/** ENV of a stage, over what the stage it starts from sets. */
const envOfStage = (stage: Stage | undefined): Record<string, string> =>
  stage ? { ...envOfStage(stageNamed(stage.base)), ...envOf(stage) } : {};

const INSTALL = /\bnpm\s+(install|ci|i)\b/;

/** Whether a stage, or a stage it starts from, installs dependencies without leaving out dev ones. */
function hasDevDependencies(stage: Stage | undefined): boolean {
  if (!stage) return false;
  const installs = runs(stage).filter((command) => INSTALL.test(command));
  return (
    installs.some((command) => !/--omit=dev|--production\b/.test(command)) ||
    hasDevDependencies(stageNamed(stage.base))
  );
}

describe('Dockerfile', () => {
  it('builds in stages and copies only results into the runtime stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(copiesOf(runtime).filter((copy) => copy.from !== undefined).length).toBeGreaterThan(0);
    // The runtime stage must not build or install anything itself.
    expect(runs(runtime).filter((command) => INSTALL.test(command))).toEqual([]);
  });

  it('runs as a fixed non-root numeric user', () => {
    const users = runtime.instructions.filter((i) => i.keyword === 'USER');
    const user = users[users.length - 1]?.args ?? '';
    // Kubernetes can verify runAsNonRoot only for a numeric UID.
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(user.split(':').map(Number)).not.toContain(0);
  });

  it('has a HEALTHCHECK that probes the port the loader listens on', () => {
    const checks = runtime.instructions.filter((i) => i.keyword === 'HEALTHCHECK');
    expect(checks).toHaveLength(1);
    expect(checks[0]?.args).toMatch(/\bCMD\b/);
    expect(checks[0]?.args).toContain('BERTH_HTTP_PORT');
    expect(checks[0]?.args).toContain(String(loadConfig(envOfStage(runtime)).http.port));
  });

  it('lets only production dependencies reach the runtime stage', () => {
    // Starting from a stage that installed dev dependencies would inherit all of them.
    expect(hasDevDependencies(stageNamed(runtime.base))).toBe(false);
    const sources = copiesOf(runtime).filter((copy) => copy.from !== undefined);
    expect(sources.some((copy) => !hasDevDependencies(stageNamed(copy.from)))).toBe(true);
    const problems = sources
      .filter((copy) => hasDevDependencies(stageNamed(copy.from)))
      .flatMap((copy) =>
        copy.sources
          // From a stage with dev dependencies, only a folder assembled without any node_modules.
          .filter((source) => {
            const assembled = runs(stageNamed(copy.from) as Stage).find((command) =>
              command.includes(source),
            );
            return (
              source === '.' || /node_modules/.test(source) || !/node_modules\s+-prune/.test(assembled ?? '')
            );
          })
          .map((source) => `line ${copy.line}: COPY --from=${copy.from} ${source}`),
      );
    expect(problems).toEqual([]);
  });

  it('makes the loader listen on every interface at the port it EXPOSEs', () => {
    const config = loadConfig(envOfStage(runtime));
    const exposed = runtime.instructions
      .filter((i) => i.keyword === 'EXPOSE')
      .map((i) => Number.parseInt(i.args, 10));
    expect(config.http.host).toBe('0.0.0.0');
    expect(exposed).toEqual([config.http.port]);
  });
});
