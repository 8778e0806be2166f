import { AccessAdministration } from '@berth/server';
import type { CommandContext } from '../../command';
import { withStore } from '../metadata';

/**
 * Runs `work` with the access administration over the configured metadata database, migrated
 * first so that a fresh database can be set up before the registry ever starts.
 */
export function withAdministration<T>(
  context: CommandContext,
  work: (administration: AccessAdministration) => Promise<T>,
): Promise<T> {
  return withStore(context, async (store) => {
    await store.migrate();
    return work(new AccessAdministration(store.access));
  });
}
