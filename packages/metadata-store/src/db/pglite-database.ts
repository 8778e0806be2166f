import { mkdir } from 'node:fs/promises';
import type { RequestListener } from 'node:http';
import path from 'node:path';
import { PGlite, types, type Transaction } from '@electric-sql/pglite';
import { DataDirectoryLock } from './data-directory-lock';
import { parseInt8 } from './parse-int8';
import { pgliteOptions } from './pglite-settings';
import type { SqlClient, SqlDatabase } from './sql-database';

// The same JavaScript types as the pg adapter returns: numbers for int8, Buffers for bytea.
const parsers = {
  [types.INT8]: parseInt8,
  [types.BYTEA]: (text: string) => Buffer.from(text.slice('\\x'.length), 'hex'),
};

/**
 * A SqlDatabase over PGlite, PostgreSQL running in this process. PGlite has a single connection:
 * queries and transactions wait for the transaction in progress, so transactions run one at a time.
 */
export class PgliteDatabase implements SqlDatabase {
  readonly kind = 'pglite';
  readonly #pglite: PGlite;
  readonly #client: SqlClient;
  readonly #lock: DataDirectoryLock | undefined;

  private constructor(pglite: PGlite, lock: DataDirectoryLock | undefined) {
    this.#pglite = pglite;
    this.#client = sqlClient(pglite);
    this.#lock = lock;
  }

  /**
   * Opens (creating if needed) the database in `dataDir`, or a fresh one in memory when absent.
   * The directory is this process's until close(): another process opening it meanwhile gets
   * DataDirectoryInUseError, naming `holder.command` of this one. Requests to the directory's
   * socket go to `holder.channel` (see DataDirectoryLock).
   */
  static async open(dataDir?: string, holder: PgliteHolder = {}): Promise<PgliteDatabase> {
    if (dataDir === undefined) return new PgliteDatabase(await PGlite.create({ parsers }), undefined);
    // PGlite creates the directory itself, but not its parents; nobody else needs to read it.
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const lock = await DataDirectoryLock.acquire(dataDir, {
      command: holder.command ?? path.basename(process.argv[1] ?? process.execPath),
      ...(holder.channel ? { channel: holder.channel } : {}),
    });
    try {
      return new PgliteDatabase(await PGlite.create({ dataDir, parsers, ...pgliteOptions(dataDir) }), lock);
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  query<Row>(text: string, params?: readonly unknown[]): Promise<Row[]> {
    return this.#client.query<Row>(text, params);
  }

  execute(script: string): Promise<void> {
    return this.#client.execute(script);
  }

  transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T> {
    return this.#pglite.transaction((tx) => work(sqlClient(tx)));
  }

  async close(): Promise<void> {
    try {
      await this.#pglite.close();
    } finally {
      await this.#lock?.release();
    }
  }
}

/** How the process opening a data directory describes itself, and what it serves others. */
export interface PgliteHolder {
  command?: string;
  channel?: RequestListener;
}

function sqlClient(connection: PGlite | Transaction): SqlClient {
  return {
    async query<Row>(text: string, params: readonly unknown[] = []) {
      return (await connection.query<Row>(text, [...params])).rows;
    },
    async execute(script) {
      await connection.exec(script);
    },
  };
}
