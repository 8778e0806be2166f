import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { MemoryCoordinator } from '@berth/coordinator';
import { AccessAdministration, Authenticator, type Identity } from '@berth/core';
import {
  openSqlDatabase,
  SqlMetadataStore,
  type MetadataStore,
  type SqlDatabase,
} from '@berth/metadata-store';
import { loadConfig, metadataStoreConfig } from '@berth/server';
import { createTestDatabase } from '@berth/testing/postgres';
import type { ProcessOutcome } from '../../../server/test/support/run-to-end';
import { runCli } from '../../src/cli';
import type { CommandContext } from '../../src/command';

/** The database the commands use, both for a test's own SQL and as the store over it. */
export interface Metadata {
  db: SqlDatabase;
  store: MetadataStore;
}

/** Runs `work` on the metadata database that `env` configures, as the commands would open it. */
async function withMetadata<T>(env: NodeJS.ProcessEnv, work: (metadata: Metadata) => Promise<T>): Promise<T> {
  const config = metadataStoreConfig(loadConfig(env));
  const db = await openSqlDatabase(
    config.driver === 'pglite' ? { ...config, holder: { command: 'a test' } } : config,
  );
  const store = new SqlMetadataStore(db);
  try {
    return await work({ db, store });
  } finally {
    await store.close();
  }
}

/** What a command printed and its exit code. */
export type CliResult = ProcessOutcome;

/** A metadata database for the CLI, named by the environment variables that configure it. */
interface MetadataBackend {
  name: string;
  open(): Promise<{ env: NodeJS.ProcessEnv; close(): Promise<void> }>;
}

export const EMBEDDED_BACKEND: MetadataBackend = {
  name: 'embedded PGlite',
  async open() {
    const dir = await mkdtemp(path.join(tmpdir(), 'berth-cli-'));
    return {
      env: { BERTH_METADATA_PGLITE_DATA_DIR: path.join(dir, 'metadata') },
      close: () => rm(dir, { recursive: true, force: true }),
    };
  },
};

/**
 * Where the detailed command tests run. Each command opens the database afresh, as the real CLI
 * does, which costs seconds on PGlite; the embedded tour runs every command there once instead.
 */
export const POSTGRES_BACKEND: MetadataBackend = {
  name: 'PostgreSQL',
  async open() {
    const database = await createTestDatabase();
    return {
      env: { BERTH_METADATA_DRIVER: 'postgres', BERTH_METADATA_POSTGRES_URL: database.url },
      close: () => database.drop(),
    };
  },
};

/** Runs the CLI in this process as `berth <argv>`, with `stdin` as its input, capturing its output. */
export async function berth(env: NodeJS.ProcessEnv, argv: string[], stdin = ''): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const context: CommandContext = { env, stdin: Readable.from(stdin ? [stdin] : []), stdout, stderr };
  const code = await runCli(argv, context);
  return { code, stdout: text(stdout), stderr: text(stderr) };
}

function text(stream: PassThrough): string {
  stream.end();
  return (stream.read() as Buffer | null)?.toString('utf8') ?? '';
}

/**
 * The CLI on a fresh database, opened before this describe block's tests and dropped after;
 * `extraEnv` configures the rest (a blob store, say).
 */
export function cliOn(backend: MetadataBackend, extraEnv: NodeJS.ProcessEnv = {}) {
  let database: Awaited<ReturnType<MetadataBackend['open']>> | undefined;
  beforeAll(async () => {
    database = await backend.open();
  });
  afterAll(() => database?.close());
  const env = () => {
    if (!database) throw new Error('the database is not open yet');
    return { ...database.env, ...extraEnv };
  };
  /** Seeds or looks at the database as the commands open it: through the store, or in SQL. */
  const metadata = <T>(work: (metadata: Metadata) => Promise<T>) => withMetadata(env(), work);
  return {
    run: (argv: string[], stdin?: string) => berth(env(), argv, stdin),
    /** Runs `argv`, expecting success; its standard output. */
    async ok(argv: string[], stdin?: string): Promise<string> {
      const result = await berth(env(), argv, stdin);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      return result.stdout;
    },
    metadata,
    /** Looks at the database through the service the commands use. */
    inspect: <T>(work: (administration: AccessAdministration) => Promise<T>) =>
      metadata(({ store }) => work(new AccessAdministration(store.access))),
    /** Who logging in with these credentials proves to be; throws when they are refused. */
    login: (account: string, secret: string) =>
      metadata(async ({ store: { access } }): Promise<Identity> => {
        const coordinator = new MemoryCoordinator();
        try {
          const failedLogins = { capacity: 10, refillPerSecond: 1 };
          return await new Authenticator({ access, coordinator, failedLogins }).login(
            account,
            secret,
            'test',
          );
        } finally {
          await coordinator.close();
        }
      }),
  };
}
