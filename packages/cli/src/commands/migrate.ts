import { createMetadataStore } from '@berth/metadata-store';
import { metadataStoreConfig, type Config } from '@berth/server';

/** Applies pending metadata migrations; safe to run from many pods at once. */
export async function runMigrate(config: Config): Promise<number> {
  const store = await createMetadataStore(metadataStoreConfig(config));
  try {
    const applied = await store.migrate();
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'metadata schema is up to date');
    return 0;
  } finally {
    await store.close();
  }
}
