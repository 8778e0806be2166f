import { createMetadataStore } from '@berth/metadata-store';
import { loadConfig, metadataStoreConfig } from '@berth/server';
import { defineCommand } from '../command';
import { writeLine } from '../output';

/** Applies pending metadata migrations; safe to run from many pods at once. */
export const migrateCommand = defineCommand({
  name: 'migrate',
  args: [],
  summary: 'apply pending metadata migrations and exit',
  options: {},
  async run(_input, context) {
    const store = await createMetadataStore(metadataStoreConfig(loadConfig(context.env)));
    try {
      const applied = await store.migrate();
      writeLine(
        context.stdout,
        applied.length ? `applied: ${applied.join(', ')}` : 'metadata schema is up to date',
      );
    } finally {
      await store.close();
    }
  },
});
