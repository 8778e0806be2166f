import { createMetadataStore, type MetadataStore } from '@berth/metadata-store';
import { loadConfig, metadataStoreConfig } from '@berth/server';
import type { CommandContext } from '../command';
import { requireMigrated } from './migration-status';

/**
 * Runs `work` on the metadata store: the one a running registry lent the command, or else the
 * configured database, opened for this command alone and closed after it.
 */
export async function withStore<T>(
  context: Pick<CommandContext, 'env' | 'store' | 'commandName'>,
  work: (store: MetadataStore) => Promise<T>,
): Promise<T> {
  if (context.store) return work(context.store);
  const config = metadataStoreConfig(loadConfig(context.env));
  const command = `berth ${context.commandName ?? 'CLI'}`;
  const store = await createMetadataStore(
    config.driver === 'pglite' ? { ...config, holder: { command } } : config,
  );
  try {
    return await work(store);
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
  return withStore(context, async (store) => {
    await requireMigrated(store);
    return work(store);
  });
}
