import type * as PgDriver from './db/pg-database';
import type { PgDatabaseOptions } from './db/pg-options';
import { PgliteDatabase, type PgliteHolder } from './db/pglite-database';
import { pgliteOptionsSchema, type PgliteOptions } from './db/pglite-options';
import type { SqlDatabase } from './db/sql-database';
import type { MetadataStore } from './metadata-store';
import { SqlMetadataStore } from './store/sql-metadata-store';

/**
 * The PostgreSQL adapter, loaded on first use: it brings pg (with the rest of the drivers, some
 * 19 MiB resident and a tenth of a second at start), which a process on PGlite never needs.
 */
export function loadPgDriver(): typeof PgDriver {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when used, see above
  return require('./db/pg-database') as typeof PgDriver;
}

/** Which database holds the metadata: a PostgreSQL server, or PGlite in this process. */
export type MetadataStoreConfig =
  | ({ driver: 'postgres' } & PgDatabaseOptions)
  | ({ driver: 'pglite' } & PgliteOptions & {
        /** Who holds the data directory while the store is open. */
        holder?: PgliteHolder;
      });

type Driver = MetadataStoreConfig['driver'];
type ConfigOf<D extends Driver> = Extract<MetadataStoreConfig, { driver: D }>;

const databases: { [D in Driver]: (config: ConfigOf<D>) => Promise<SqlDatabase> } = {
  postgres: async ({ driver: _driver, ...options }) => new (loadPgDriver().PgDatabase)(options),
  pglite: ({ driver: _driver, holder, ...options }) =>
    PgliteDatabase.open(pgliteOptionsSchema.parse(options).dataDir, holder),
};

/** Opens the configured store; callers apply migrations with `migrate()`. Options are checked by the driver's schema. */
export async function createMetadataStore(config: MetadataStoreConfig): Promise<MetadataStore> {
  return new SqlMetadataStore(await openSqlDatabase(config));
}

/** Opens the configured database alone, for SQL of one's own (tests, tools) beside the store. */
export function openSqlDatabase<D extends Driver>(config: ConfigOf<D>): Promise<SqlDatabase> {
  const open: (config: ConfigOf<D>) => Promise<SqlDatabase> = databases[config.driver];
  return open(config);
}
