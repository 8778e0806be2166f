import { mkdir } from 'node:fs/promises';
import { PGlite, types, type Transaction } from '@electric-sql/pglite';
import { parseInt8 } from './parse-int8';
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

  private constructor(pglite: PGlite) {
    this.#pglite = pglite;
    this.#client = sqlClient(pglite);
  }

  /** Opens (creating if needed) the database in `dataDir`, or a fresh one in memory when absent. */
  static async open(dataDir?: string): Promise<PgliteDatabase> {
    // PGlite creates the directory itself, but not its parents.
    if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });
    return new PgliteDatabase(await PGlite.create({ dataDir, parsers }));
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

  close(): Promise<void> {
    return this.#pglite.close();
  }
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
