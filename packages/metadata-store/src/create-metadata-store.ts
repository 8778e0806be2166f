import { PgDatabase } from './db/pg-database';
import type { PgDatabaseOptions } from './db/pg-options';
import { PgliteDatabase, type PgliteHolder } from './db/pglite-database';
import { pgliteOptionsSchema, type PgliteOptions } from './db/pglite-options';
import type { SqlDatabase } from './db/sql-database';
import type { MetadataStore } from './metadata-store';
import { SqlMetadataStore } from './store/sql-metadata-store';

/**
 * PostgreSQL deadlines in milliseconds, as the server's registry.ts still passes them. Transitional:
 * once it passes `config.metadata.postgres` as it is (the options take seconds), this goes.
 */
interface MillisecondDeadlines {
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
}

/** Which database holds the metadata: a PostgreSQL server, or PGlite in this process. */
export type MetadataStoreConfig =
  | ({ driver: 'postgres' } & PgDatabaseOptions & MillisecondDeadlines)
  | ({ driver: 'pglite' } & PgliteOptions & {
        /** Who holds the data directory while the store is open. */
        holder?: PgliteHolder;
      });

type Driver = MetadataStoreConfig['driver'];
type ConfigOf<D extends Driver> = Extract<MetadataStoreConfig, { driver: D }>;

const databases: { [D in Driver]: (config: ConfigOf<D>) => Promise<SqlDatabase> } = {
  postgres: async ({ driver: _driver, connectTimeoutMs, statementTimeoutMs, ...options }) =>
    new PgDatabase({
      ...options,
      ...(connectTimeoutMs !== undefined ? { connectTimeoutSeconds: connectTimeoutMs / 1000 } : {}),
      ...(statementTimeoutMs !== undefined ? { statementTimeoutSeconds: statementTimeoutMs / 1000 } : {}),
    }),
  pglite: ({ driver: _driver, holder, ...options }) =>
    PgliteDatabase.open(pgliteOptionsSchema.parse(options).dataDir, holder),
};

/** Opens the configured store; callers apply migrations with `migrate()`. Options are checked by the driver's schema. */
export async function createMetadataStore(config: MetadataStoreConfig): Promise<MetadataStore> {
  return new SqlMetadataStore(await openDatabase(config));
}

function openDatabase<D extends Driver>(config: ConfigOf<D>): Promise<SqlDatabase> {
  const open: (config: ConfigOf<D>) => Promise<SqlDatabase> = databases[config.driver];
  return open(config);
}
