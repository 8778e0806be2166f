import { selectOrInsert } from '../db/select-or-insert';
import type { SqlClient } from '../db/sql-database';

const SELECT_ID = 'SELECT id FROM repositories WHERE name = $1';

/** The id of a repository, or undefined when it does not exist. */
export async function findRepositoryId(tx: SqlClient, name: string): Promise<number | undefined> {
  const [row] = await tx.query<{ id: number }>(SELECT_ID, [name]);
  return row?.id;
}

/** The id of a repository, created if it does not exist yet. */
export async function ensureRepositoryId(tx: SqlClient, name: string): Promise<number> {
  const { row } = await selectOrInsert<{ id: number }>(
    tx,
    { text: SELECT_ID, params: [name] },
    {
      text: 'INSERT INTO repositories (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING id',
      params: [name],
    },
  );
  return row.id;
}
