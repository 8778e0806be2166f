import type { AccessAdministration } from '@berth/core';
import type { CommandContext } from '../../command';
import { withServices } from '../metadata';

/**
 * Runs `work` with the access administration over the configured metadata database, migrated
 * first so that a fresh database can be set up before the registry ever starts.
 */
export function withAdministration<T>(
  context: CommandContext,
  work: (administration: AccessAdministration) => Promise<T>,
): Promise<T> {
  return withServices(
    context,
    (store) => store.migrate(),
    ({ administration }) => work(administration),
  );
}
