import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { FilesystemBlobStore } from '@berth/blob-store';
import type { BlobRecord, MetadataStore } from '@berth/metadata-store';
import { cliOn, POSTGRES_BACKEND } from '../support/cli-harness';
import { digestOf, imageOf } from '../support/registry-content';

const AT_ONCE = { reviewDelaySeconds: 0, reviewJitterSeconds: 0 };
const TIME = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ';

describe('gc commands on PostgreSQL', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'berth-cli-gc-'));
  const cli = cliOn(POSTGRES_BACKEND, { BERTH_BLOBS_FILESYSTEM_ROOT: root });
  const blobs = new FilesystemBlobStore({ root });

  afterAll(async () => {
    await blobs.close();
    await rm(root, { recursive: true, force: true });
  });

  /** Stores a blob as an upload does: its object, then its row and link. */
  async function upload(store: MetadataStore, repository: string, label: string, size: number) {
    const record: BlobRecord = {
      digest: digestOf(label),
      size,
      storageKey: `blobs/${label.replace(' ', '-')}`,
    };
    await blobs.put(record.storageKey, Readable.from([Buffer.alloc(size, label)]));
    await store.addBlob(repository, record);
    return record;
  }

  async function objects(): Promise<string[]> {
    const keys: string[] = [];
    for await (const { key } of blobs.listObjects('')) keys.push(key);
    return keys.sort();
  }

  it('refuses a database that is not migrated, saying how to migrate it', async () => {
    for (const argv of [
      ['gc', 'status'],
      ['gc', 'dry-run'],
      ['gc', 'run', '--now'],
    ]) {
      expect(await cli.run(argv)).toEqual({
        code: 1,
        stdout: '',
        stderr: 'error: the metadata database has not been migrated; run "berth migrate" first\n',
      });
    }
    await cli.ok(['migrate']);
  });

  it("shows empty queues, the timing, and that runs are the collecting processes' to report", async () => {
    expect(await cli.ok(['gc', 'status'])).toMatch(
      new RegExp(
        [
          `^as of ${TIME}; reviews come due 1d after the change that queued them, plus up to 1h`,
          'untagged manifests are kept \\(gc.untaggedManifests is off\\)',
          '',
          'QUEUE  QUEUED  DUE  DUE BYTES  OVERDUE  NEXT DUE',
          'links  0       0    -          -        -',
          'blobs  0       0    0 B        -        -',
          '',
          'every process together reviewed 0.0 a second lately; nothing is due',
          'runs: known to the processes that collect \\(berth_gc_\\* metrics, the admin API\\)',
          '$',
        ].join('\n'),
      ),
    );
    expect(JSON.parse(await cli.ok(['gc', 'status', '--json']))).toEqual({
      at: expect.stringMatching(/Z$/),
      timing: { reviewDelaySeconds: 86_400, reviewJitterSeconds: 3_600 },
      untaggedManifests: false,
      manifests: { queued: 0, due: 0 },
      links: { queued: 0, due: 0 },
      blobs: { queued: 0, due: 0, dueBytes: 0 },
      progress: { reviewsPerSecond: 0, etaSeconds: 0 },
    });
  });

  it('refuses to run without --now, and runs nothing', async () => {
    expect(await cli.run(['gc', 'run'])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'error: give --now to run garbage collection now (it deletes what is due)\n' +
        'Run "berth gc run --help" for usage.\n',
    });
  });

  it('previews a run per repository, which then removes exactly that, objects included', async () => {
    const seeded = await cli.metadata(async ({ store }) => {
      await store.gc.configure(AT_ONCE);
      const orphan = await upload(store, 'library/app', 'orphan', 2048);
      const shared = await upload(store, 'team/b', 'shared', 1500);
      const only = await upload(store, 'team/b', 'only', 3 * 1024 * 1024);
      const doomed = imageOf([shared, only]);
      await store.putManifest('team/b', doomed, 'old');
      await store.putManifest('team/b', imageOf([shared]), 'new');
      expect(await store.deleteManifest('team/b', doomed.digest)).toBe(true);
      return { orphan, shared, only };
    });
    const { orphan, shared, only } = seeded;
    expect(await objects()).toEqual(['blobs/only', 'blobs/orphan', 'blobs/shared']);

    const status = await cli.ok(['gc', 'status']);
    expect(status).toMatch(
      /^as of \S+; reviews come due 0s after the change that queued them, plus up to 0s$/m,
    );
    expect(status).toMatch(/^links {2}3 {7}3 {4}- {10}\S+ +-$/m);

    expect(await cli.ok(['gc', 'dry-run'])).toMatch(
      new RegExp(
        [
          `^as of ${TIME}, a run would remove these links \\(their blobs stay while another repository links them\\):`,
          '',
          'REPOSITORY   LINKS  BYTES',
          'library/app  1      2.0 KiB',
          'team/b       1      3.0 MiB',
          'total        2      3.0 MiB',
          '',
          'and delete 2 blobs, 3.0 MiB of storage',
          '$',
        ].join('\n'),
      ),
    );
    const dryRun = JSON.parse(await cli.ok(['gc', 'dry-run', '--json'])) as unknown;
    expect(dryRun).toEqual({
      at: expect.any(String),
      repositories: [
        {
          repository: 'library/app',
          manifests: [],
          links: [{ digest: orphan.digest, size: 2048 }],
          bytes: 2048,
        },
        {
          repository: 'team/b',
          manifests: [],
          links: [{ digest: only.digest, size: only.size }],
          bytes: only.size,
        },
      ],
      blobs: [orphan, only]
        .map(({ digest, size }) => ({ digest, size }))
        .sort((a, b) => (a.digest < b.digest ? -1 : 1)),
      totals: {
        manifests: 0,
        manifestBytes: 0,
        links: 2,
        linkBytes: 2048 + only.size,
        blobs: 2,
        blobBytes: 2048 + only.size,
      },
    });

    const run = JSON.parse(await cli.ok(['gc', 'run', '--now', '--json'])) as unknown;
    expect(run).toEqual({
      startedAt: expect.any(String),
      endedAt: expect.any(String),
      seconds: expect.any(Number),
      manifestsDeleted: 0,
      linksRemoved: 2,
      blobsReclaimed: 2,
      bytesReclaimed: 2048 + only.size,
      objectDeleteFailures: 0,
      remaining: { manifestsDue: 0, linksDue: 0, blobsDue: 0 },
    });
    expect(await objects()).toEqual(['blobs/shared']);
    await cli.metadata(async ({ store }) => {
      expect(await store.findBlob(shared.digest)).toEqual(shared);
      expect(await store.findBlob(only.digest)).toBeUndefined();
    });
    expect(await cli.ok(['gc', 'dry-run'])).toMatch(
      new RegExp(`^as of ${TIME}, a run would remove nothing\n$`),
    );
    expect(await cli.ok(['gc', 'run', '--now'])).toMatch(
      /^removed 0 links, deleted 0 blobs \(0 B\) in [\d.]+m?s\n$/,
    );
  });

  it('says what a run removed in words, and never reviews what is not due yet', async () => {
    await cli.metadata(async ({ store }) => {
      await upload(store, 'library/app', 'due now', 100);
      await store.gc.configure({ reviewDelaySeconds: 3_600, reviewJitterSeconds: 0 });
      await upload(store, 'library/app', 'not yet', 200);
    });
    expect(await cli.ok(['gc', 'run', '--now'])).toMatch(
      /^removed 1 link, deleted 0 blobs \(0 B\) in [\d.]+m?s\n$/,
    );
    // With the delay, the blob whose link went is reviewed an hour from now, as is the new upload.
    expect(await objects()).toEqual(['blobs/due-now', 'blobs/not-yet', 'blobs/shared'].sort());
    const status = JSON.parse(await cli.ok(['gc', 'status', '--json'])) as Record<string, unknown>;
    expect(status).toMatchObject({
      timing: { reviewDelaySeconds: 3_600, reviewJitterSeconds: 0 },
      links: { queued: 1, due: 0, nextDueAt: expect.any(String) },
      blobs: { queued: 1, due: 0, dueBytes: 0, nextDueAt: expect.any(String) },
    });
  });
});
