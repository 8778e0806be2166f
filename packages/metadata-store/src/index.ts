export * from './model';
export * from './metadata-store';
export * from './create-metadata-store';
export { SqlMetadataStore } from './store/sql-metadata-store';
export type { SqlClient, SqlDatabase } from './db/sql-database';
export { PgDatabase, type PgDatabaseOptions } from './db/pg-database';
export { PgliteDatabase } from './db/pglite-database';
export { migrate, MIGRATIONS_DIRECTORY } from './db/migrate';
