import {
  PgDatabase,
  PgliteDatabase,
  SqlMetadataStore,
  type MetadataStore,
  type SqlDatabase,
} from '@berth/metadata-store';
import { loadConfig, metadataStoreConfig } from '@berth/server';
import type { CommandContext } from '../command';
import { requireMigrated } from './migration-status';

/** The configured metadata database, both for SQL of the CLI's own and as the store over it. */
export interface Metadata {
  db: SqlDatabase;
  store: MetadataStore;
}

/**
 * Runs `work` on the metadata database that the environment configures. It is opened here
 * rather than through createMetadataStore because `migrate status` reads the migration records,
 * which the store keeps to itself; the store owns the database and closes it.
 */
export async function withMetadata<T>(
  context: Pick<CommandContext, 'env'>,
  work: (metadata: Metadata) => Promise<T>,
): Promise<T> {
  const config = metadataStoreConfig(loadConfig(context.env));
  const db =
    config.driver === 'postgres' ? new PgDatabase(config) : await PgliteDatabase.open(config.dataDir);
  const store = new SqlMetadataStore(db);
  try {
    return await work({ db, store });
  } finally {
    await store.close();
  }
}

/**
 * Runs `work` on the metadata store once every migration of this version is known to be applied.
 * Reading commands do not migrate: an operator pointing one at the wrong or a stale database
 * should learn so, not find it changed.
 */
export function withMigratedStore<T>(
  context: CommandContext,
  work: (store: MetadataStore) => Promise<T>,
): Promise<T> {
  return withMetadata(context, async ({ db, store }) => {
    await requireMigrated(db);
    return work(store);
  });
}
