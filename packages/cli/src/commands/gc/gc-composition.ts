import { createRegistryServices, GcService } from '@berth/core';
import { closeBackends, loadConfig, openBackends, serviceSettings, StartupError } from '@berth/server';
import { CommandError, type CommandContext } from '../../command';
import { withStore } from '../metadata';
import { requireMigrated } from '../migration-status';

/** What a command needs of garbage collection: its queues to read, or its worker to run. */
export type GcNeeds = 'queues' | 'worker';

/**
 * Runs `work` on garbage collection: the running registry's, when the command runs inside it
 * (its worker runtime, its last run), or else one composed here from the configuration. Reading
 * the queues needs the metadata database alone. Running the worker deletes objects, so it opens
 * the blob store and the coordinator too, with the server's own `openBackends` (one choice of
 * driver, the configuration's), and builds the registry's services on them, without their
 * background work: the worker runs once, when asked.
 */
export async function withGc<T>(
  context: CommandContext,
  needs: GcNeeds,
  work: (gc: GcService) => Promise<T>,
): Promise<T> {
  if (context.gc) return work(context.gc);
  if (needs === 'queues') {
    return withStore(context, async (store) => {
      await requireMigrated(store);
      return work(new GcService({ reviews: store.gc }));
    });
  }
  const config = loadConfig(context.env);
  const command = `berth ${context.commandName ?? 'CLI'}`;
  const backends = await openBackends(config, { metadataHolder: { command } }).catch((error: unknown) => {
    // Says which backend and setting, as at start-up; nothing else went wrong.
    throw error instanceof StartupError ? new CommandError(error.message) : error;
  });
  try {
    await requireMigrated(backends.metadata);
    // A one-off run reads no manifest, so it needs no cache (nor its subscription).
    const { manifestCache: _manifestCache, ...settings } = serviceSettings(config);
    const services = createRegistryServices(backends, settings);
    try {
      return await work(services.gc);
    } finally {
      await services.close();
    }
  } finally {
    await closeBackends(backends);
  }
}
