import { isStorableText, UnstorableTextError } from './storable-text';
import type { SqlClient, SqlDatabase } from './sql-database';

/**
 * The database with the text parameters of every statement checked before it runs. PostgreSQL
 * refuses a NUL with an encoding error that looks like any other failure, and drivers silently
 * replace an unpaired surrogate; UnstorableTextError instead says that the text itself is at fault.
 */
export function guardText(db: SqlDatabase): SqlDatabase {
  const guarded = guardClient(db);
  return {
    kind: db.kind,
    query: guarded.query,
    execute: guarded.execute,
    transaction: (work) => db.transaction((tx) => work(guardClient(tx))),
    close: () => db.close(),
  };
}

function guardClient(client: SqlClient): SqlClient {
  return {
    async query<Row>(text: string, params: readonly unknown[] = []): Promise<Row[]> {
      if (!params.every(isStorableParam)) throw new UnstorableTextError();
      return client.query<Row>(text, params);
    },
    // Scripts take no parameters: only the package's own SQL runs as one.
    execute: (script) => client.execute(script),
  };
}

// Buffers go to bytea, which holds any bytes; arrays go to text[] and the like.
function isStorableParam(param: unknown): boolean {
  if (typeof param === 'string') return isStorableText(param);
  return Array.isArray(param) ? param.every(isStorableParam) : true;
}
