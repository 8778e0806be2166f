import { createMetadataStore, type PageRequest } from '@berth/metadata-store';
import { AccessAdministration, loadConfig, metadataStoreConfig } from '@berth/server';
import type { CommandContext } from '../../command';

/**
 * Runs `work` with the access administration over the configured metadata database, migrated
 * first so that a fresh database can be set up before the registry ever starts.
 */
export async function withAdministration<T>(
  context: CommandContext,
  work: (administration: AccessAdministration) => Promise<T>,
): Promise<T> {
  const store = await createMetadataStore(metadataStoreConfig(loadConfig(context.env)));
  try {
    await store.migrate();
    return await work(new AccessAdministration(store.access));
  } finally {
    await store.close();
  }
}

const PAGE_SIZE = 500;

/** Every item of a listing that comes in pages ordered by name. */
export async function allPages<T extends { name: string }>(
  pageOf: (page: PageRequest) => Promise<T[]>,
): Promise<T[]> {
  const items: T[] = [];
  let last: string | undefined;
  for (;;) {
    const page = await pageOf({ limit: PAGE_SIZE, ...(last === undefined ? {} : { last }) });
    items.push(...page);
    last = page.at(-1)?.name;
    if (page.length < PAGE_SIZE || last === undefined) return items;
  }
}
