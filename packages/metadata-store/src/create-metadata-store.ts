import { PgDatabase, type PgDatabaseOptions } from './db/pg-database';
import { PgliteDatabase, type PgliteHolder } from './db/pglite-database';
import type { SqlDatabase } from './db/sql-database';
import type { MetadataStore } from './metadata-store';
import { SqlMetadataStore } from './store/sql-metadata-store';

/** Which database holds the metadata: a PostgreSQL server, or PGlite in this process. */
export type MetadataStoreConfig =
  | ({ driver: 'postgres' } & PgDatabaseOptions)
  | {
      driver: 'pglite';
      /** In memory when absent. */
      dataDir?: string;
      /** Who holds the data directory while the store is open. */
      holder?: PgliteHolder;
    };

type Driver = MetadataStoreConfig['driver'];
type ConfigOf<D extends Driver> = Extract<MetadataStoreConfig, { driver: D }>;

const databases: { [D in Driver]: (config: ConfigOf<D>) => Promise<SqlDatabase> } = {
  postgres: async ({ driver: _driver, ...options }) => new PgDatabase(options),
  pglite: ({ dataDir, holder }) => PgliteDatabase.open(dataDir, holder),
};

/** Opens the configured store; callers apply migrations with `migrate()`. */
export async function createMetadataStore(config: MetadataStoreConfig): Promise<MetadataStore> {
  return new SqlMetadataStore(await openDatabase(config));
}

function openDatabase<D extends Driver>(config: ConfigOf<D>): Promise<SqlDatabase> {
  const open: (config: ConfigOf<D>) => Promise<SqlDatabase> = databases[config.driver];
  return open(config);
}
