export * from './access/access-model';
export * from './access/access-store';
export * from './model';
export * from './metadata-store';
export * from './events/event-log';
export type * from './gc/gc-reviews';
export type * from './events/registry-event';
export * from './create-metadata-store';
export { SqlMetadataStore } from './store/sql-metadata-store';
export type { SqlClient, SqlDatabase } from './db/sql-database';
export { postgresOptionsSchema, type PgDatabaseOptions } from './db/pg-options';
export { pgliteOptionsSchema, type PgliteOptions } from './db/pglite-options';
export { PgliteDatabase, type PgliteHolder } from './db/pglite-database';
export { migrate, MIGRATIONS_DIRECTORY } from './db/migrate';
export type { MigrationState, MigrationStatus } from './db/migration-status';
export {
  dataDirectorySocket,
  DataDirectoryInUseError,
  findDataDirectoryHolder,
  type DataDirectoryHolder,
} from './db/data-directory-lock';
export { UnstorableTextError } from './db/storable-text';
