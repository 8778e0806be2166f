import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '@berth/testing/postgres';
import { createMetadataStore } from './create-metadata-store';
import type { BlobRecord } from './model';

const blob: BlobRecord = { digest: `sha256:${'a'.repeat(64)}`, size: 3, storageKey: 'blobs/a' };

describe('createMetadataStore', () => {
  it('opens PostgreSQL from a URL', async () => {
    const database = await createTestDatabase();
    try {
      const store = await createMetadataStore({ driver: 'postgres', url: database.url, poolSize: 2 });
      expect(store.kind).toBe('postgres');
      expect(await store.migrate()).toEqual([
        '20261122000000_initial',
        '20261123000000_access',
        '20261124000000_add_blob_function',
        '20261125000000_manifest_annotations_json',
      ]);
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
      expect(await first.migrate()).toEqual([
        '20261122000000_initial',
        '20261123000000_access',
        '20261124000000_add_blob_function',
        '20261125000000_manifest_annotations_json',
      ]);
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
