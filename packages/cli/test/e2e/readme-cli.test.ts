import { readFileSync } from 'node:fs';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BerthProcess, freePort } from '../../../server/test/support/berth-process';
import { ensureCliBuilt } from '../../../server/test/support/cli-build';
import { runToEnd, type ProcessOutcome } from '../../../server/test/support/run-to-end';
import { berth } from '../support/cli-harness';

const ROOT = path.resolve(__dirname, '../../../..');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
// The variables the README's examples expect the reader to have set.
const READER_ENV = { ADMIN_PASSWORD: 'readme-admin-password-1', ALICE_PASSWORD: 'readme-alice-password-1' };
const CLI_COMMANDS = 'serve|migrate|config|repo|tag|manifest|gc|user|namespace|member|robot|auth';

/** The lines of the README's shell code blocks, in order, without their trailing comments. */
function shellLines(): string[] {
  const blocks = [...README.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '');
  return blocks.flatMap((block) => block.split('\n')).map((line) => line.replace(/\s+# .*$/, ''));
}

/**
 * The README's CLI lines as one script, with the `export` lines they depend on. `serve` is left
 * out: the test decides whether a registry runs.
 */
function readmeCliScript(): string[] {
  return shellLines().filter(
    (line) => (/^export /.test(line) || /\bnpx berth /.test(line)) && !/\bnpx berth serve\b/.test(line),
  );
}

/**
 * A folder that looks like the project root after the README's `npm install`, where `npx berth`
 * finds the CLI and the embedded default keeps ./data: its own, so each run starts empty.
 */
async function projectFolder(): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), 'berth-readme-'));
  await symlink(path.join(ROOT, 'package.json'), path.join(folder, 'package.json'));
  await symlink(path.join(ROOT, 'node_modules'), path.join(folder, 'node_modules'));
  return folder;
}

/** Runs `script` with bash in `cwd`, stopping at the first failing line; bash traces each line. */
function runScript(cwd: string, script: string[], env: NodeJS.ProcessEnv): Promise<ProcessOutcome> {
  return runToEnd('bash', ['-euo', 'pipefail', '-xc', script.join('\n')], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...READER_ENV, ...env },
  });
}

/** What the README's commands leave behind, read with `npx berth` in the folder. */
async function expectReadmeOutcome(folder: string): Promise<void> {
  const state = await runScript(
    folder,
    ['npx berth user ls', 'npx berth robot ls team-a', 'npx berth member ls team-a'],
    {},
  );
  expect(state).toMatchObject({ code: 0 });
  expect(state.stdout).toMatch(/^admin +yes /m);
  expect(state.stdout).toMatch(/^alice +no /m);
  expect(state.stdout).toMatch(/^team-a\+ci +pull,push +revoked /m);
  expect(state.stdout).toMatch(/^alice +writer/m);
}

describe("the README's CLI lines", () => {
  beforeAll(() => ensureCliBuilt(), 300_000);

  it('name the CLI as npx runs it from the project folder', () => {
    const bare = [...README.matchAll(new RegExp(`(?<!npx |exec berth )\\bberth (${CLI_COMMANDS})\\b`, 'g'))];
    expect(bare.map((match) => match[0])).toEqual([]);
    expect(readmeCliScript().length).toBeGreaterThan(5);
  });

  it('name only commands the CLI has', async () => {
    const named = new Set<string>();
    for (const [, words = ''] of README.matchAll(/npx berth ((?:[a-z][a-z-]*(?:\\\|[a-z]+)*\s?)+)/g)) {
      const [group = '', sub] = words.trim().split(/\s+/);
      for (const alternative of sub?.split('\\|') ?? ['']) named.add(`${group} ${alternative}`.trim());
    }
    expect(named.size).toBeGreaterThan(10);
    for (const command of named) {
      const help = await berth({}, [...command.split(' '), '--help']);
      expect({ command, code: help.code }).toEqual({ command, code: 0 });
      expect(help.stdout).toMatch(new RegExp(`^Usage: berth ${command}\\b`));
    }
  });

  it('run as written with the registry stopped', async () => {
    const folder = await projectFolder();
    try {
      const run = await runScript(folder, readmeCliScript(), {});
      expect({ code: run.code, trace: run.stderr }).toEqual({ code: 0, trace: expect.any(String) });
      await expectReadmeOutcome(folder);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }, 180_000);

  it('run as written while the embedded registry serves, which keeps what they wrote', async () => {
    const folder = await projectFolder();
    const port = String(await freePort());
    const registry = new BerthProcess(Number(port), { BERTH_LOG_LEVEL: 'warn' }, folder);
    try {
      await registry.start();
      const run = await runScript(folder, readmeCliScript(), { BERTH_HTTP_PORT: port });
      expect({ code: run.code, trace: run.stderr }).toEqual({ code: 0, trace: expect.any(String) });
      registry.signal('SIGTERM');
      expect(await registry.exited()).toEqual({ code: 0, signal: null });
      await expectReadmeOutcome(folder);
    } finally {
      if (registry.running) await registry.kill();
      await rm(folder, { recursive: true, force: true });
    }
  }, 180_000);
});
