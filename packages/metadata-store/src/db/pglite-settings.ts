import { setFlagsFromString } from 'node:v8';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { buildTemplate, copyTemplate } from './pglite-template';

/**
 * How PGlite is run for the embedded default: one registry process on a laptop, whose whole
 * resident memory should stay in the low hundreds of MiB. Measured by `npm run bench -- --only
 * embedded` (packages/bench/src/scenarios/embedded-default.ts); the figures are in README.md.
 *
 * Nothing here trades durability for memory. A commit is acknowledged once its WAL record has
 * been written to the data directory's files, as before:
 * - `synchronous_commit` stays on (set explicitly so that nobody turns it off for speed): off,
 *   PostgreSQL would acknowledge commits whose WAL is still in wal_buffers, and a single-user
 *   backend has no WAL writer to flush it later, so a SIGKILL would lose pushed tags;
 * - PGlite's own start parameters are kept as they are, `-F` (no fsync) included: PGlite has
 *   always run so. Its files are written straight through to the kernel (Emscripten's NODEFS),
 *   so a killed process loses nothing the kernel has; a power cut may lose the last commits.
 * - `relaxedDurability` is not used: it only stops PGlite awaiting its filesystem's sync after a
 *   query, which on a Node data directory does nothing, so it would save nothing either.
 */
const SERVER_SETTINGS: Record<string, string> = {
  // The buffer pool is PostgreSQL's largest allocation, inside PGlite's WebAssembly heap, and
  // the heap never shrinks: every buffer once used stays resident. initdb picks 128MB, which
  // grew the heap from 128 to 189 MiB; 16MB keeps it at its initial size, holds the registry's
  // hot catalog and index pages, and a miss costs a read from the kernel's page cache.
  shared_buffers: '16MB',
  // Derived from shared_buffers (-1: 1/32 of it, 512kB here, 4MB with 128MB). Commits write
  // their WAL out at once, so a larger one would only be reserved. (max_wal_size is left alone:
  // a single-user backend has no checkpointer, and PGlite's WAL grows until it shuts down
  // whatever the setting says; that is disk, not memory.)
  wal_buffers: '-1',
  // Used by CREATE INDEX (migrations) and VACUUM, allocated only while one runs, but a
  // WebAssembly heap that grew for it keeps the pages resident: 64MB (the default) could grow it
  // by that much for good. Larger sorts spill to temporary files instead.
  maintenance_work_mem: '16MB',
  // Explicit on purpose: see above.
  synchronous_commit: 'on',
};

/** `-c name=value` pairs, the form both postgres and initdb take. */
const asParams = (settings: Record<string, string>): string[] =>
  Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]);

/** What PgliteDatabase passes to PGlite.create, besides its data directory and parsers. */
export const PGLITE_OPTIONS: Readonly<Pick<PGliteOptions, 'startParams' | 'initDbStartParams'>> =
  Object.freeze({
    // Applied at every start, so they also hold for data directories made before they existed
    // (postgresql.conf there still says 128MB: command-line settings win over it).
    startParams: [...PGlite.defaultStartParams, ...asParams(SERVER_SETTINGS)],
    // initdb runs its own backends (bootstrap, then post-bootstrap SQL) with these too, and
    // writes them into the new data directory's postgresql.conf.
    initDbStartParams: asParams({ shared_buffers: SERVER_SETTINGS.shared_buffers as string }),
  });

/**
 * V8 compiles PGlite's WebAssembly with its baseline compiler (Liftoff) and then recompiles the
 * functions that turn hot with its optimizing compiler (TurboFan). One of PostgreSQL's functions
 * (about 100 KB of WebAssembly) takes TurboFan some 600 MB for a third of a second, seconds after
 * every start: that was most of the embedded default's peak. Liftoff alone runs single queries
 * 10-40% slower in a PGlite micro-benchmark, but pushes through HTTP went faster (20 rather than
 * 10 small images a second on 2 cores), TurboFan's compiles no longer competing with them.
 *
 * These are process-wide V8 flags, and they only take effect for WebAssembly compiled after they
 * are set: hence here, right before the first PGlite instance. Nothing else in the registry runs
 * WebAssembly (production, on PostgreSQL, never gets here).
 */
const V8_FLAGS = ['--no-wasm-tier-up', '--no-wasm-dynamic-tiering'];

let v8FlagsSet = false;

function setV8Flags(): void {
  if (v8FlagsSet) return;
  for (const flag of V8_FLAGS) setFlagsFromString(flag);
  v8FlagsSet = true;
}

/**
 * The options for PGlite.create on `dataDir`, which is PgliteDatabase's (locked) by then. When
 * the directory holds no database yet, first copies into it the data directory `npm run build`
 * initialized (pglite-template.ts), so that PGlite need not run initdb in this process. Sets
 * the V8 flags above the first time.
 */
export function pgliteOptions(dataDir: string): PGliteOptions {
  setV8Flags();
  copyTemplate(dataDir, PGLITE_OPTIONS.initDbStartParams ?? []);
  return { ...PGLITE_OPTIONS };
}

/** Makes that data directory if it is missing: `npm run build` runs this. */
export function buildPgliteTemplate(): Promise<{ directory: string; built: boolean }> {
  setV8Flags();
  return buildTemplate(PGLITE_OPTIONS.initDbStartParams ?? [], (dataDir) =>
    PGlite.create({ dataDir, ...PGLITE_OPTIONS }),
  );
}
