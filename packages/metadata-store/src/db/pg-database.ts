import { isNetworkFailure, reportingOutages } from '@berth/backend-errors';
import { Pool, TypeOverrides, type PoolClient, type QueryConfig } from 'pg';
import { parseInt8 } from './parse-int8';
import { postgresOptionsSchema, type PgDatabaseOptions } from './pg-options';
import type { SqlClient, SqlDatabase } from './sql-database';

const INT8_OID = 20;
// PostgreSQL cancels a statement at its deadline and says so; the registry stops waiting this much
// later, when nothing came back at all: the server or the path to it is gone.
const ANSWER_MARGIN_MS = 1_000;
// pg's error for a query whose answer did not arrive within its query_timeout.
const UNANSWERED = 'Query read timeout';

// PostgreSQL's codes for a server going away, refusing connections or overloaded, and its
// cancellation of a statement at its deadline (the registry cancels nothing itself).
const OUTAGE_CODES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '53300',
  '57014',
]);
// pg's own deadlines and lost connections carry nothing but a message.
const OUTAGE_MESSAGES =
  /Connection terminated|Connection is closed|not queryable|timeout exceeded when trying to connect|Query read timeout/i;

/** Whether a pg failure means the server cannot be reached or does not answer right now. */
function isPostgresOutage(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    isNetworkFailure(error) ||
    (typeof code === 'string' && OUTAGE_CODES.has(code)) ||
    OUTAGE_MESSAGES.test(error.message)
  );
}

/** A query with pg's per-query read deadline, which its type declarations leave out. */
interface TimedQuery extends QueryConfig {
  query_timeout: number;
}

/**
 * A SqlDatabase over a pool of PostgreSQL connections. Failures that mean PostgreSQL is out of
 * reach are BackendUnavailableError; every other error is pg's own.
 */
export class PgDatabase implements SqlDatabase {
  readonly kind = 'postgres';
  readonly #pool: Pool;
  readonly #client: SqlClient;
  readonly #answerTimeoutMs: number;

  /** Throws a ZodError naming each option out of its bounds (postgresOptionsSchema). */
  constructor(options: PgDatabaseOptions) {
    const { url, poolSize, connectTimeoutSeconds, statementTimeoutSeconds } =
      postgresOptionsSchema.parse(options);
    const statementTimeoutMs = Math.round(statementTimeoutSeconds * 1000);
    // Per pool rather than pg's global type registry, which other code in the process may rely on.
    const types = new TypeOverrides();
    types.setTypeParser(INT8_OID, parseInt8);
    this.#pool = new Pool({
      connectionString: url,
      max: poolSize,
      types,
      connectionTimeoutMillis: Math.round(connectTimeoutSeconds * 1000),
      statement_timeout: statementTimeoutMs,
    });
    this.#answerTimeoutMs = statementTimeoutMs + ANSWER_MARGIN_MS;
    // An idle connection that breaks is dropped by the pool and replaced on next use; an
    // unhandled 'error' event would instead crash the process.
    this.#pool.on('error', () => {});
    this.#client = sqlClient(this.#pool, this.#answerTimeoutMs);
  }

  query<Row>(text: string, params?: readonly unknown[]): Promise<Row[]> {
    return reportingOutages('metadata', isPostgresOutage, () => this.#client.query<Row>(text, params));
  }

  execute(script: string): Promise<void> {
    return reportingOutages('metadata', isPostgresOutage, () => this.#client.execute(script));
  }

  transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T> {
    return reportingOutages('metadata', isPostgresOutage, () => this.#transaction(work));
  }

  async #transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T> {
    const connection = await this.#pool.connect();
    const tx = sqlClient(connection, this.#answerTimeoutMs);
    let broken: Error | undefined;
    // A connection taken from the pool has no 'error' listener of the pool's any more: the server
    // going away while it is held would otherwise escape as an uncaught exception. The query under
    // way fails on its own; the connection is then released as broken.
    const lost = (error: Error) => {
      broken ??= error;
    };
    connection.on('error', lost);
    try {
      await tx.query('BEGIN');
      const result = await work(tx);
      await tx.query('COMMIT');
      return result;
    } catch (error) {
      broken = await rollback(tx, error);
      throw error;
    } finally {
      connection.off('error', lost);
      connection.release(broken);
    }
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}

function sqlClient(connection: Pool | PoolClient, answerTimeoutMs: number): SqlClient {
  return {
    async query<Row>(text: string, params: readonly unknown[] = []) {
      const query: TimedQuery = { text, values: [...params], query_timeout: answerTimeoutMs };
      const result = await connection.query(query);
      return result.rows as Row[];
    },
    async execute(script) {
      // Without parameters pg uses the simple query protocol, which accepts several statements.
      // Scripts are migrations, which may run as long as they need: no read deadline here.
      await connection.query(script);
    },
  };
}

/** Rolls back; returns the error when that fails too, so the connection is destroyed instead of reused. */
async function rollback(tx: SqlClient, cause: unknown): Promise<Error | undefined> {
  // A connection that stopped answering would not answer ROLLBACK either; dropping it is enough,
  // as PostgreSQL rolls back whatever a closed connection leaves open.
  if (cause instanceof Error && cause.message === UNANSWERED) return cause;
  try {
    await tx.query('ROLLBACK');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}
