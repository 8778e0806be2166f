/** A connection, or a transaction on one, that runs SQL. */
export interface SqlClient {
  /** Runs one statement with `$n` parameters and returns its rows, with int8 columns as numbers and bytea as Buffers. */
  query<Row>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /**
   * Runs a script of several statements without parameters, such as a migration. Unlike `query`,
   * it has no deadline of the adapter's own; the server's statement_timeout still applies.
   */
  execute(script: string): Promise<void>;
}

/** A PostgreSQL-compatible database: the only seam between the SQL store and a driver. */
export interface SqlDatabase extends SqlClient {
  /** Driver name, for logs and metrics. */
  readonly kind: string;
  /** Runs `work` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
