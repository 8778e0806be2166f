import type { SqlClient } from './sql-database';

/** A statement and its parameters. */
export interface Statement {
  text: string;
  params: readonly unknown[];
}

// A row found and then deleted by a concurrent transaction before it could be returned, again and again.
const MAX_ATTEMPTS = 3;

/**
 * Returns the row `select` finds, or else the row `insert` (an INSERT ... ON CONFLICT DO NOTHING
 * RETURNING) creates. Safe under concurrency in READ COMMITTED: when a concurrent transaction
 * inserts the same key first, the insert waits for it and returns nothing, and the next select,
 * with a fresh snapshot, finds its row. Selecting first keeps the common case to one query and
 * does not spend identity values on conflicts.
 */
export async function selectOrInsert<Row>(
  tx: SqlClient,
  select: Statement,
  insert: Statement,
): Promise<{ row: Row; created: boolean }> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const [found] = await tx.query<Row>(select.text, select.params);
    if (found) return { row: found, created: false };
    const [inserted] = await tx.query<Row>(insert.text, insert.params);
    if (inserted) return { row: inserted, created: true };
  }
  throw new Error(`a concurrent transaction kept deleting the row: ${select.text}`);
}
