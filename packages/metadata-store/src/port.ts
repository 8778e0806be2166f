// The MetadataStore, AccessStore, EventLog and GcReviews ports alone, for code that must not
// depend on a database: nothing here constructs an adapter, opens a database or loads a driver.
// The SQL adapters, their drivers and migrations are in the package's main entry.
export * from './access/access-model';
export * from './access/access-store';
export * from './model';
export * from './metadata-store';
export * from './events/event-log';
export type * from './gc/gc-reviews';
export type * from './events/registry-event';
// Type-only: the module also reads migration files, which is the SQL adapter's business.
export type { MigrationState, MigrationStatus } from './db/migration-status';
// The ports' contracts refuse such text with this error, whichever adapter stores it.
export { UnstorableTextError } from './db/storable-text';
