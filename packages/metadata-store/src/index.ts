export * from './port';
export * from './create-metadata-store';
export { SqlMetadataStore } from './store/sql-metadata-store';
export type { SqlClient, SqlDatabase } from './db/sql-database';
export { postgresOptionsSchema, type PgDatabaseOptions } from './db/pg-options';
export { pgliteOptionsSchema, type PgliteOptions } from './db/pglite-options';
export { PgliteDatabase, type PgliteHolder } from './db/pglite-database';
export { migrate, MIGRATIONS_DIRECTORY } from './db/migrate';
export {
  dataDirectorySocket,
  DataDirectoryInUseError,
  findDataDirectoryHolder,
  type DataDirectoryHolder,
} from './db/data-directory-lock';
