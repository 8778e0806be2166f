import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { FilesystemBlobStore } from '@berth/blob-store';
import { PgliteDatabase, SqlMetadataStore } from '@berth/metadata-store';
import { OrphanSweeper } from './orphan-sweeper';

const HOUR = 3_600_000;

describe('OrphanSweeper', () => {
  let root: string;
  let blobs: FilesystemBlobStore;
  let metadata: SqlMetadataStore;
  const deleted: string[] = [];
  const signal = new AbortController().signal;

  // One database for all: each test names keys of its own, in a blob store of its own.
  beforeAll(async () => {
    metadata = new SqlMetadataStore(await PgliteDatabase.open());
    await metadata.migrate();
  });

  afterAll(() => metadata.close());

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'berth-orphans-'));
    blobs = new FilesystemBlobStore({ root });
    deleted.length = 0;
  });

  afterEach(async () => {
    await blobs.close();
    await rm(root, { recursive: true, force: true });
  });

  const sweeper = () =>
    new OrphanSweeper({
      blobs,
      metadata,
      minimumAgeMs: 2 * HOUR,
      confirmAfterMs: HOUR,
      intervalMs: 0,
      observer: { orphanDeleted: (key) => deleted.push(key) },
    });

  async function put(key: string): Promise<void> {
    await blobs.put(key, Readable.from([Buffer.from(key)]));
  }

  async function keys(): Promise<string[]> {
    const listed: string[] = [];
    for await (const object of blobs.listObjects('')) listed.push(object.key);
    return listed;
  }

  it('deletes an old unnamed object once seen unnamed twice, an hour apart, and nothing a row names', async () => {
    await put('blobs/orphan');
    await put('blobs/recorded');
    await put('elsewhere/not-a-blob');
    await metadata.addBlob('app', {
      digest: `sha256:${'a'.repeat(64)}`,
      size: 14,
      storageKey: 'blobs/recorded',
    });
    const sweep = sweeper();
    const later = Date.now() + 3 * HOUR;

    // First sighting: a suspect only.
    expect(await sweep.run(signal, later)).toBe(0);
    // Seen again too soon.
    expect(await sweep.run(signal, later + HOUR / 2)).toBe(0);
    expect(await sweep.run(signal, later + HOUR)).toBe(1);
    expect(deleted).toEqual(['blobs/orphan']);
    expect(await keys()).toEqual(['blobs/recorded', 'elsewhere/not-a-blob']);
  });

  it('leaves young objects alone, however often it runs', async () => {
    await put('blobs/just-written');
    const sweep = sweeper();
    const soon = Date.now() + HOUR;
    expect(await sweep.run(signal, soon)).toBe(0);
    expect(await sweep.run(signal, soon + HOUR / 2)).toBe(0);
    expect(await keys()).toEqual(['blobs/just-written']);
  });

  it('spares a suspect that a row names by the second look', async () => {
    await put('blobs/late-record');
    const sweep = sweeper();
    const later = Date.now() + 3 * HOUR;
    expect(await sweep.run(signal, later)).toBe(0);
    await metadata.addBlob('app', {
      digest: `sha256:${'b'.repeat(64)}`,
      size: 17,
      storageKey: 'blobs/late-record',
    });
    expect(await sweep.run(signal, later + 2 * HOUR)).toBe(0);
    expect(await keys()).toEqual(['blobs/late-record']);
  });

  it('starts its suspicion over on a new process', async () => {
    await put('blobs/orphan');
    const later = Date.now() + 3 * HOUR;
    expect(await sweeper().run(signal, later)).toBe(0);
    expect(await sweeper().run(signal, later + 2 * HOUR)).toBe(0);
    expect(await keys()).toEqual(['blobs/orphan']);
  });
});
