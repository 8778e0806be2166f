import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '@berth/testing/postgres';
import { createMetadataStore } from './create-metadata-store';
import { MIGRATIONS_DIRECTORY } from './db/migrate';
import type { BlobRecord } from './model';

// Every migration the package ships (migrate.test.ts pins the list itself).
const PACKAGE_MIGRATIONS = readdirSync(MIGRATIONS_DIRECTORY)
  .filter((file) => file.endsWith('.sql'))
  .map((file) => file.replace(/\.sql$/, ''))
  .sort();

const blob: BlobRecord = { digest: `sha256:${'a'.repeat(64)}`, size: 3, storageKey: 'blobs/a' };

describe('createMetadataStore', () => {
  it('opens PostgreSQL from a URL', async () => {
    const database = await createTestDatabase();
    try {
      const store = await createMetadataStore({ driver: 'postgres', url: database.url, poolSize: 2 });
      expect(store.kind).toBe('postgres');
      expect(await store.migrate()).toEqual(PACKAGE_MIGRATIONS);
      await store.checkHealth();
      await store.close();
      await expect(store.checkHealth()).rejects.toThrow();
    } finally {
      await database.drop();
    }
  });

  it('opens PGlite in a data directory, created if needed, that keeps its data', async () => {
    const parent = await mkdtemp(path.join(tmpdir(), 'berth-pglite-'));
    const dataDir = path.join(parent, 'data', 'metadata');
    try {
      const first = await createMetadataStore({ driver: 'pglite', dataDir });
      expect(first.kind).toBe('pglite');
      expect(await first.migrate()).toEqual(PACKAGE_MIGRATIONS);
      await first.addBlob('library/alpine', blob);
      await first.close();
      await expect(first.checkHealth()).rejects.toThrow();

      const second = await createMetadataStore({ driver: 'pglite', dataDir });
      expect(await second.migrate()).toEqual([]);
      expect(await second.findRepositoryBlob('library/alpine', blob.digest)).toEqual(blob);
      await second.close();
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});
