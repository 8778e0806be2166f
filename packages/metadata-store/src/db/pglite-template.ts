import { createHash } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';

/**
 * A freshly initialized PGlite data directory, made once by `npm run build` and copied into
 * every new data directory instead of running initdb there.
 *
 * PGlite runs initdb inside the process that opens an empty directory: a second PostgreSQL
 * instance with its own 128 MiB WebAssembly heap, a full copy of that heap (initdb's PGlite
 * restores it before every backend it runs, so all of it is resident), and the new cluster in
 * memory, then an archive of it unpacked file by file. That took the embedded default's first
 * start to about 600 MiB, and left some 60-90 MiB in the allocator for good. Copying this
 * directory is done by the kernel and costs the process nothing; the first start is then as
 * quick and as small as any other.
 *
 * The template is PGlite's own work: PGlite initializes it with the settings of
 * pglite-settings.ts and shuts it down cleanly. Its name carries the PGlite version and a
 * digest of the initdb settings, so an upgrade or a change of settings never copies a stale
 * one: without a matching template PGlite runs initdb as it always did.
 */

/** Where templates are kept: among the build's output, not the sources. */
const TEMPLATE_ROOT = join(__dirname, '../../dist/pglite-template');

/** The one file by which PostgreSQL (and PGlite) tell a data directory holds a database. */
const MARKER = 'PG_VERSION';

/** The installed PGlite's version, from its package.json (not exported as a subpath). */
function pgliteVersion(): string {
  const main = require.resolve('@electric-sql/pglite');
  const manifest = JSON.parse(readFileSync(join(dirname(main), '../package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

/** The template for this PGlite and these initdb parameters. */
export function templateDirectory(initDbStartParams: readonly string[]): string {
  const digest = createHash('sha256').update(JSON.stringify(initDbStartParams)).digest('hex').slice(0, 12);
  return join(TEMPLATE_ROOT, `pglite-${pgliteVersion()}-${digest}`);
}

/**
 * Copies the template into `dataDir` unless it holds a database already or there is no
 * template; true when it did. PG_VERSION comes last: a copy cut short leaves a directory without
 * it, which the next start copies into again (or PGlite initializes), as an empty one.
 */
export function copyTemplate(dataDir: string, initDbStartParams: readonly string[]): boolean {
  if (existsSync(join(dataDir, MARKER))) return false;
  const template = templateDirectory(initDbStartParams);
  if (!existsSync(join(template, MARKER))) return false;
  const marker = join(template, MARKER);
  cpSync(template, dataDir, { recursive: true, force: true, filter: (source) => source !== marker });
  copyFileSync(marker, join(dataDir, MARKER));
  return true;
}

/**
 * Makes the template if it is missing (`npm run build` runs this), removing templates of other
 * versions or settings. `open` starts PGlite on a directory as the registry does.
 */
export async function buildTemplate(
  initDbStartParams: readonly string[],
  open: (dataDir: string) => Promise<PGlite>,
): Promise<{ directory: string; built: boolean }> {
  const directory = templateDirectory(initDbStartParams);
  if (existsSync(join(directory, MARKER))) return { directory, built: false };
  // Whole or not at all: a build cut short leaves no template, and initdb runs instead.
  const partial = `${directory}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true, mode: 0o700 });
  await (await open(partial)).close();
  for (const old of readdirSync(TEMPLATE_ROOT)) {
    if (join(TEMPLATE_ROOT, old) !== partial)
      rmSync(join(TEMPLATE_ROOT, old), { recursive: true, force: true });
  }
  renameSync(partial, directory);
  return { directory, built: true };
}
