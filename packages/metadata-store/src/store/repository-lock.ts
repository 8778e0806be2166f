import type { SqlClient } from '../db/sql-database';
import type { WriteContext } from '../events/registry-event';

/**
 * Locks a repository's row until the transaction ends, creating the repository (and recording
 * that) when `create` says so; undefined when it does not exist and is not to be created.
 *
 * Every write that records events calls this before any other write: writers of one repository
 * then queue on its row, and the order of their transactions is the order of their events (see
 * the migration that creates the events table). Readers take no lock and never wait.
 */
export async function lockRepository(
  tx: SqlClient,
  name: string,
  context: WriteContext,
  create: boolean,
): Promise<number | undefined> {
  const [row] = await tx.query<{ id: number | null }>('SELECT berth_lock_repository($1, $2, $3) AS id', [
    name,
    context.actor ?? null,
    create,
  ]);
  return row?.id ?? undefined;
}
