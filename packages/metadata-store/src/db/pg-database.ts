import { Pool, TypeOverrides, type PoolClient } from 'pg';
import { parseInt8 } from './parse-int8';
import type { SqlClient, SqlDatabase } from './sql-database';

const INT8_OID = 20;

/** Where and how widely to connect to PostgreSQL. */
export interface PgDatabaseOptions {
  url: string;
  /** Connections per process; 10 when absent. */
  poolSize?: number;
}

/** A SqlDatabase over a pool of PostgreSQL connections. */
export class PgDatabase implements SqlDatabase {
  readonly kind = 'postgres';
  readonly #pool: Pool;
  readonly #client: SqlClient;

  constructor({ url, poolSize = 10 }: PgDatabaseOptions) {
    // Per pool rather than pg's global type registry, which other code in the process may rely on.
    const types = new TypeOverrides();
    types.setTypeParser(INT8_OID, parseInt8);
    this.#pool = new Pool({ connectionString: url, max: poolSize, types });
    // An idle connection that breaks is dropped by the pool and replaced on next use; an
    // unhandled 'error' event would instead crash the process.
    this.#pool.on('error', () => {});
    this.#client = sqlClient(this.#pool);
  }

  query<Row>(text: string, params?: readonly unknown[]): Promise<Row[]> {
    return this.#client.query<Row>(text, params);
  }

  execute(script: string): Promise<void> {
    return this.#client.execute(script);
  }

  async transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T> {
    const connection = await this.#pool.connect();
    let broken: Error | undefined;
    try {
      await connection.query('BEGIN');
      const result = await work(sqlClient(connection));
      await connection.query('COMMIT');
      return result;
    } catch (error) {
      broken = await rollback(connection);
      throw error;
    } finally {
      connection.release(broken);
    }
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}

function sqlClient(connection: Pool | PoolClient): SqlClient {
  return {
    async query<Row>(text: string, params: readonly unknown[] = []) {
      const result = await connection.query(text, [...params]);
      return result.rows as Row[];
    },
    async execute(script) {
      // Without parameters pg uses the simple query protocol, which accepts several statements.
      await connection.query(script);
    },
  };
}

/** Rolls back; returns the error when that fails too, so the connection is destroyed instead of reused. */
async function rollback(connection: PoolClient): Promise<Error | undefined> {
  try {
    await connection.query('ROLLBACK');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}
