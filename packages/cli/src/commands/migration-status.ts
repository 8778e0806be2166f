import type { MetadataStore } from '@berth/metadata-store';
import { CommandError } from '../command';

/** Throws unless every migration of this version is applied, saying how to apply them. */
export async function requireMigrated(store: MetadataStore): Promise<void> {
  const migrations = await store.migrationStatus();
  const pending = migrations.filter((migration) => migration.status === 'pending');
  if (pending.length === 0) return;
  throw new CommandError(
    pending.length === migrations.length
      ? 'the metadata database has not been migrated; run "berth migrate" first'
      : `the metadata database lacks migrations ${pending.map((m) => m.name).join(', ')}; ` +
          'run "berth migrate" first',
  );
}
