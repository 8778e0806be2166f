import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../../..');

/** The CLI entry point that cluster tests run as real processes. */
export const CLI_MAIN = join(ROOT, 'packages/cli/dist/main.js');

// The packages compiled into the CLI, each with its own tsbuildinfo written by `tsc -b`.
const BUILT_PACKAGES = [
  'backend-errors',
  'blob-store',
  'coordinator',
  'metadata-store',
  'core',
  'server',
  'cli',
];

/**
 * Builds the CLI (`tsc -b packages/cli`, as `npm run build`) unless every package's build is newer
 * than its sources, so a test run on a fresh checkout or after an edit runs the code it sees.
 * `npm test` builds first, which makes this a quick check there.
 */
export function ensureCliBuilt(): void {
  if (!BUILT_PACKAGES.some(isStale)) return;
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-b', 'packages/cli'], { cwd: ROOT, stdio: 'pipe' });
  } catch (error) {
    const { stdout = '' } = error as { stdout?: Buffer | string };
    throw new Error(`building the CLI failed:\n${stdout.toString()}`, { cause: error });
  }
}

function isStale(name: string): boolean {
  const folder = join(ROOT, 'packages', name);
  const built = modifiedAt(join(folder, 'tsconfig.tsbuildinfo'));
  return built === undefined || newestSource(join(folder, 'src')) > built;
}

function newestSource(folder: string): number {
  let newest = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
      newest = Math.max(newest, modifiedAt(path) ?? 0);
  }
  return newest;
}

function modifiedAt(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}
