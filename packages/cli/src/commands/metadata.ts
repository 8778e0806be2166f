import { createMetadataServices, type MetadataServices } from '@berth/core';
import { createMetadataStore, type MetadataStore } from '@berth/metadata-store';
import { loadConfig, metadataStoreConfig, type Config } from '@berth/server';
import type { CommandContext } from '../command';
import { requireMigrated } from './migration-status';

/**
 * Runs `work` on the metadata store: the one a running registry lent the command, or else the
 * configured database, opened for this command alone and closed after it.
 */
export async function withStore<T>(
  context: Pick<CommandContext, 'env' | 'store' | 'commandName'>,
  work: (store: MetadataStore, config: Config) => Promise<T>,
): Promise<T> {
  const config = loadConfig(context.env);
  if (context.store) return work(context.store, config);
  const storeConfig = metadataStoreConfig(config);
  const command = `berth ${context.commandName ?? 'CLI'}`;
  const store = await createMetadataStore(
    storeConfig.driver === 'pglite' ? { ...storeConfig, holder: { command } } : storeConfig,
  );
  try {
    return await work(store, config);
  } finally {
    await store.close();
  }
}

/**
 * Runs `work` on the registry's own services over the metadata store, once `prepare` has readied
 * the store: the rules and limits of the API, applied by the same code.
 */
export function withServices<T>(
  context: CommandContext,
  prepare: (store: MetadataStore) => Promise<unknown>,
  work: (services: MetadataServices) => Promise<T>,
): Promise<T> {
  return withStore(context, async (store, config) => {
    await prepare(store);
    return work(createMetadataServices(store, { manifestMaxBytes: config.manifests.maxBytes }));
  });
}

/**
 * Runs `work` on the services once every migration of this version is known to be applied.
 * Reading commands do not migrate: an operator pointing one at the wrong or a stale database
 * should learn so, not find it changed.
 */
export function withMigratedServices<T>(
  context: CommandContext,
  work: (services: MetadataServices) => Promise<T>,
): Promise<T> {
  return withServices(context, requireMigrated, work);
}
