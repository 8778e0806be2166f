import { createHash } from 'node:crypto';
import { UnstorableTextError } from '../db/storable-text';
import type { MetadataStore } from '../metadata-store';
import type { BlobRecord, NewManifest } from '../model';

/** A store for one test, and how to dispose of it afterwards. */
export interface ContractStore {
  store: MetadataStore;
  cleanup(): Promise<void>;
}

const IMAGE_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const IMAGE_INDEX = 'application/vnd.oci.image.index.v1+json';
const IMAGE_CONFIG = 'application/vnd.oci.image.config.v1+json';
const LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
const SIGNATURE = 'application/vnd.dev.cosign.artifact.sig.v1+json';
const SBOM = 'application/spdx+json';
/** Names that a locale-aware collation would order differently than bytes do. */
const BYTE_ORDERED_NAMES = ['B', 'a', 'a-b', 'a.b', 'a/b', 'a_b', 'b'];
const PARALLEL = 50;

export function digestOf(data: string | Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** An image manifest whose config is `blobs[0]` and layers the rest; `extra` fields make it unique. */
export function imageManifest(
  blobs: BlobRecord[],
  extra: { subject?: string; artifactType?: string; annotations?: Record<string, string> } = {},
): NewManifest {
  const [config, ...layers] = blobs.map((blob) => ({ digest: blob.digest, size: blob.size }));
  const payload = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: IMAGE_MANIFEST,
      artifactType: extra.artifactType,
      config: { mediaType: IMAGE_CONFIG, ...config },
      layers: layers.map((layer) => ({ mediaType: LAYER, ...layer })),
      subject: extra.subject && { mediaType: IMAGE_MANIFEST, digest: extra.subject, size: 1 },
      annotations: extra.annotations,
    }),
  );
  return {
    digest: digestOf(payload),
    mediaType: IMAGE_MANIFEST,
    payload,
    ...(extra.artifactType !== undefined ? { artifactType: extra.artifactType } : {}),
    ...(extra.subject !== undefined ? { subjectDigest: extra.subject } : {}),
    ...(extra.annotations !== undefined ? { annotations: extra.annotations } : {}),
    blobDigests: blobs.map((blob) => blob.digest),
    manifestDigests: [],
  };
}

export function imageIndex(children: NewManifest[]): NewManifest {
  const manifests = children.map((child) => ({
    mediaType: child.mediaType,
    digest: child.digest,
    size: child.payload.length,
  }));
  const payload = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: IMAGE_INDEX, manifests }));
  return {
    digest: digestOf(payload),
    mediaType: IMAGE_INDEX,
    payload,
    blobDigests: [],
    manifestDigests: children.map((child) => child.digest),
  };
}

/**
 * The behaviour every MetadataStore adapter must show. `makeStore` runs before each test and
 * must return a migrated store holding nothing; `cleanup` runs after each test. Each test first
 * checks that nothing written by an earlier test is still there.
 */
export function describeMetadataStoreContract(name: string, makeStore: () => Promise<ContractStore>): void {
  describe(`MetadataStore contract: ${name}`, () => {
    let store: MetadataStore;
    let cleanup: () => Promise<void>;
    const blobsMade = new Set<string>();

    /** A blob record whose digest is recorded, so that later tests can check it is gone. */
    function blob(label: string, size = 1024): BlobRecord {
      const digest = digestOf(label);
      blobsMade.add(digest);
      return { digest, size, storageKey: `blobs/sha256/${digest.slice('sha256:'.length)}` };
    }

    /** Adds blobs to a repository and returns them. */
    async function pushBlobs(repository: string, ...labels: string[]): Promise<BlobRecord[]> {
      const blobs = labels.map((label) => blob(label));
      for (const record of blobs) await store.addBlob(repository, record);
      return blobs;
    }

    /** Pushes an image manifest with fresh blobs, as a client would. */
    async function pushImage(repository: string, label: string, tag?: string): Promise<NewManifest> {
      const manifest = imageManifest(await pushBlobs(repository, `${label} config`, `${label} layer`));
      expect(await store.putManifest(repository, manifest, tag)).toEqual({ status: 'stored', created: true });
      return manifest;
    }

    async function tagsOf(repository: string): Promise<string[] | undefined> {
      return store.tagsPage(repository, {});
    }

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
      expect(await store.repositoriesPage({})).toEqual([]);
      for (const digest of blobsMade) expect(await store.findBlob(digest)).toBeUndefined();
    });

    afterEach(async () => {
      await cleanup();
    });

    describe('lifecycle', () => {
      it('names its kind', () => {
        expect(store.kind).toEqual(expect.any(String));
        expect(store.kind).not.toBe('');
      });

      it('has nothing left to migrate', async () => {
        expect(await store.migrate()).toEqual([]);
      });

      it('lists every migration it ships as applied, in order', async () => {
        const status = await store.migrationStatus();
        expect(status.length).toBeGreaterThan(0);
        expect(status.map((migration) => migration.name)).toEqual(
          status.map((migration) => migration.name).sort(),
        );
        for (const migration of status) {
          expect(migration).toEqual({ name: migration.name, status: 'applied', appliedAt: expect.any(Date) });
        }
      });

      it('is healthy', async () => {
        await expect(store.checkHealth()).resolves.toBeUndefined();
      });
    });

    describe('repositories', () => {
      it('are created by the first write, not by reads or refused writes', async () => {
        const [known] = await pushBlobs('elsewhere', 'known');
        const orphan = imageManifest([blob('never pushed')]);

        expect(await store.findManifestByTag('repo', 'latest')).toBeUndefined();
        expect(await store.tagsPage('repo', {})).toBeUndefined();
        expect(await store.linkBlob('repo', blob('unknown').digest)).toBe(false);
        expect((await store.putManifest('repo', orphan, 'latest')).status).toBe('missing-references');
        expect(await store.unlinkBlob('repo', known!.digest)).toBe(false);
        expect(await store.repositoryExists('repo')).toBe(false);

        await store.addBlob('by-add', blob('added'));
        await store.linkBlob('by-link', known!.digest);
        await store.putManifest('by-put', imageIndex([]));

        expect(await store.repositoriesPage({})).toEqual(['by-add', 'by-link', 'by-put', 'elsewhere']);
        expect(await store.repositoryExists('by-put')).toBe(true);
        expect(await store.repositoryExists('repo')).toBe(false);
      });

      it('are listed in byte order and paged', async () => {
        const shuffled = [...BYTE_ORDERED_NAMES].reverse();
        for (const name of shuffled) await pushBlobs(name, `blob of ${name}`);

        expect(await store.repositoriesPage({})).toEqual(BYTE_ORDERED_NAMES);
        expect(await store.repositoriesPage({ limit: 0 })).toEqual([]);
        expect(await store.repositoriesPage({ limit: 1 })).toEqual(['B']);
        expect(await store.repositoriesPage({ last: 'B', limit: 2 })).toEqual(['a', 'a-b']);
        expect(await store.repositoriesPage({ last: 'a-', limit: 1 })).toEqual(['a-b']);
        expect(await store.repositoriesPage({ last: 'a/b' })).toEqual(['a_b', 'b']);
        expect(await store.repositoriesPage({ last: 'b' })).toEqual([]);
        expect(await store.repositoriesPage({ last: 'zzz', limit: 5 })).toEqual([]);
      });

      it('can be walked page by page', async () => {
        for (const name of BYTE_ORDERED_NAMES) await pushBlobs(name, `blob of ${name}`);
        const walked: string[] = [];
        for (let page = await store.repositoriesPage({ limit: 2 }); page.length > 0;) {
          walked.push(...page);
          page = await store.repositoriesPage({ last: page.at(-1)!, limit: 2 });
        }
        expect(walked).toEqual(BYTE_ORDERED_NAMES);
      });
    });

    describe('blobs', () => {
      it('are recorded once and linked per repository', async () => {
        const first = blob('shared');
        expect(await store.addBlob('one', first)).toEqual({ blob: first, created: true });
        expect(await store.findBlob(first.digest)).toEqual(first);
        expect(await store.findRepositoryBlob('one', first.digest)).toEqual(first);
        expect(await store.findRepositoryBlob('two', first.digest)).toBeUndefined();

        const second = { ...first, size: 1, storageKey: 'elsewhere' };
        expect(await store.addBlob('two', second)).toEqual({ blob: first, created: false });
        expect(await store.findRepositoryBlob('two', first.digest)).toEqual(first);
        expect(await store.addBlob('two', second)).toEqual({ blob: first, created: false });
      });

      it('are unknown until added', async () => {
        const unknown = blob('unknown');
        expect(await store.findBlob(unknown.digest)).toBeUndefined();
        expect(await store.findRepositoryBlob('repo', unknown.digest)).toBeUndefined();
      });

      it('keep sizes beyond 32 bits as numbers', async () => {
        const large = blob('large', 5 * 2 ** 30 + 1);
        await store.addBlob('repo', large);
        expect(await store.findBlob(large.digest)).toEqual(large);
        expect(typeof (await store.findRepositoryBlob('repo', large.digest))?.size).toBe('number');
      });

      it('are linked only when known, idempotently', async () => {
        const [known] = await pushBlobs('one', 'known');
        expect(await store.linkBlob('two', blob('unknown').digest)).toBe(false);
        expect(await store.linkBlob('two', known!.digest)).toBe(true);
        expect(await store.linkBlob('two', known!.digest)).toBe(true);
        expect(await store.findRepositoryBlob('two', known!.digest)).toEqual(known);
      });

      it('are unlinked from one repository without being forgotten', async () => {
        const [shared] = await pushBlobs('one', 'shared');
        await store.linkBlob('two', shared!.digest);

        expect(await store.unlinkBlob('one', shared!.digest)).toBe(true);
        expect(await store.unlinkBlob('one', shared!.digest)).toBe(false);
        expect(await store.unlinkBlob('three', shared!.digest)).toBe(false);

        expect(await store.findRepositoryBlob('one', shared!.digest)).toBeUndefined();
        expect(await store.findRepositoryBlob('two', shared!.digest)).toEqual(shared);
        expect(await store.findBlob(shared!.digest)).toEqual(shared);
        expect(await store.repositoryExists('one')).toBe(true);
      });

      it('tell which storage keys a blob names', async () => {
        const [first, second] = await pushBlobs('repo', 'first', 'second');
        expect(await store.namedStorageKeys([])).toEqual(new Set());
        expect(
          await store.namedStorageKeys([
            first!.storageKey,
            'blobs/unknown',
            second!.storageKey,
            first!.storageKey,
          ]),
        ).toEqual(new Set([first!.storageKey, second!.storageKey]));
      });
    });

    describe('manifests', () => {
      it('are stored with their exact bytes', async () => {
        const manifest = imageManifest(await pushBlobs('repo', 'config', 'layer'));
        // Stored bytes are served as they came, whatever their encoding or whitespace.
        manifest.payload = Buffer.concat([
          manifest.payload,
          Buffer.from(' \n\u00e9\u0000', 'utf8'),
          Buffer.from([0xff]),
        ]);
        manifest.digest = digestOf(manifest.payload);

        expect(await store.putManifest('repo', manifest)).toEqual({ status: 'stored', created: true });
        const found = await store.findManifestByDigest('repo', manifest.digest);
        expect(found).toEqual({
          digest: manifest.digest,
          mediaType: IMAGE_MANIFEST,
          size: manifest.payload.length,
          payload: manifest.payload,
        });
        expect(Buffer.isBuffer(found?.payload)).toBe(true);
        expect(await store.findManifestByDigest('other', manifest.digest)).toBeUndefined();
        expect(await store.findManifestByDigest('repo', digestOf('unknown'))).toBeUndefined();
      });

      it('keep their artifact type and subject', async () => {
        const manifest = imageManifest(await pushBlobs('repo', 'config'), {
          artifactType: SBOM,
          subject: digestOf('subject'),
        });
        await store.putManifest('repo', manifest);
        expect(await store.findManifestByDigest('repo', manifest.digest)).toMatchObject({
          artifactType: SBOM,
          subjectDigest: digestOf('subject'),
        });
      });

      it('are stored again without error', async () => {
        const manifest = await pushImage('repo', 'image');
        expect(await store.putManifest('repo', manifest)).toEqual({ status: 'stored', created: false });
        expect(await store.putManifest('repo', manifest, 'v1')).toEqual({ status: 'stored', created: false });
        expect((await store.findManifestByTag('repo', 'v1'))?.digest).toBe(manifest.digest);
      });

      it('are refused, with nothing written, when references are missing', async () => {
        const [config] = await pushBlobs('repo', 'config');
        const [unlinked] = await pushBlobs('elsewhere', 'layer in another repository');
        const existing = await pushImage('repo', 'existing', 'latest');
        const child = imageManifest([config!]);
        const manifest = imageManifest([config!, unlinked!, unlinked!, blob('never pushed')]);
        manifest.manifestDigests = [child.digest, existing.digest];

        expect(await store.putManifest('repo', manifest, 'latest')).toEqual({
          status: 'missing-references',
          blobs: [unlinked!.digest, digestOf('never pushed')],
          manifests: [child.digest],
        });
        expect(await store.findManifestByDigest('repo', manifest.digest)).toBeUndefined();
        expect((await store.findManifestByTag('repo', 'latest'))?.digest).toBe(existing.digest);

        expect(await store.putManifest('new', manifest, 'latest')).toMatchObject({
          status: 'missing-references',
        });
        expect(await store.repositoryExists('new')).toBe(false);
      });

      it('of an index need their children in the same repository', async () => {
        const amd64 = await pushImage('repo', 'amd64');
        const arm64 = await pushImage('repo', 'arm64');
        const index = imageIndex([amd64, arm64]);

        expect(await store.putManifest('other', index)).toEqual({
          status: 'missing-references',
          blobs: [],
          manifests: [amd64.digest, arm64.digest],
        });
        expect(await store.putManifest('repo', index, 'latest')).toEqual({ status: 'stored', created: true });
        expect(await store.findManifestByTag('repo', 'latest')).toMatchObject({
          digest: index.digest,
          mediaType: IMAGE_INDEX,
        });
      });

      it('are deleted with the tags that name them, and only them', async () => {
        const image = await pushImage('repo', 'image', 'v1');
        await store.putManifest('repo', image, 'latest');
        const other = await pushImage('repo', 'other', 'v2');

        expect(await store.deleteManifest('repo', image.digest)).toBe(true);
        expect(await store.findManifestByDigest('repo', image.digest)).toBeUndefined();
        expect(await store.findManifestByTag('repo', 'v1')).toBeUndefined();
        expect(await tagsOf('repo')).toEqual(['v2']);
        expect((await store.findManifestByTag('repo', 'v2'))?.digest).toBe(other.digest);

        expect(await store.deleteManifest('repo', image.digest)).toBe(false);
        expect(await store.deleteManifest('unknown', other.digest)).toBe(false);
      });

      it('are deleted independently of their indexes and children', async () => {
        const amd64 = await pushImage('repo', 'amd64');
        const arm64 = await pushImage('repo', 'arm64');
        const index = imageIndex([amd64, arm64]);
        await store.putManifest('repo', index, 'latest');

        expect(await store.deleteManifest('repo', amd64.digest)).toBe(true);
        expect((await store.findManifestByTag('repo', 'latest'))?.digest).toBe(index.digest);
        expect(await store.deleteManifest('repo', index.digest)).toBe(true);
        expect(await store.findManifestByDigest('repo', arm64.digest)).toBeDefined();
      });

      it('are stored again after being deleted', async () => {
        const image = await pushImage('repo', 'image');
        const index = imageIndex([image]);
        await store.putManifest('repo', index);
        await store.deleteManifest('repo', image.digest);
        await store.deleteManifest('repo', index.digest);

        expect(await store.putManifest('repo', image)).toEqual({ status: 'stored', created: true });
        expect(await store.putManifest('repo', index)).toEqual({ status: 'stored', created: true });
      });

      it('belong to one repository', async () => {
        const image = await pushImage('one', 'image');
        for (const digest of image.blobDigests) await store.linkBlob('two', digest);
        expect(await store.putManifest('two', image)).toEqual({ status: 'stored', created: true });

        expect(await store.deleteManifest('one', image.digest)).toBe(true);
        expect(await store.findManifestByDigest('two', image.digest)).toMatchObject({ digest: image.digest });
      });
    });

    describe('tags', () => {
      it('name a manifest and move to another', async () => {
        const first = await pushImage('repo', 'first', 'latest');
        expect((await store.findManifestByTag('repo', 'latest'))?.payload).toEqual(first.payload);

        const second = await pushImage('repo', 'second', 'latest');
        expect((await store.findManifestByTag('repo', 'latest'))?.digest).toBe(second.digest);

        expect(await store.putManifest('repo', first, 'latest')).toEqual({
          status: 'stored',
          created: false,
        });
        expect((await store.findManifestByTag('repo', 'latest'))?.digest).toBe(first.digest);
        expect(await tagsOf('repo')).toEqual(['latest']);
        expect(await store.findManifestByTag('repo', 'missing')).toBeUndefined();
        expect(await store.findManifestByTag('other', 'latest')).toBeUndefined();
      });

      it('are deleted without their manifest', async () => {
        const image = await pushImage('repo', 'image', 'v1');
        await store.putManifest('repo', image, 'v2');

        expect(await store.deleteTag('repo', 'v1')).toBe(true);
        expect(await store.deleteTag('repo', 'v1')).toBe(false);
        expect(await store.deleteTag('unknown', 'v2')).toBe(false);
        expect(await tagsOf('repo')).toEqual(['v2']);
        expect(await store.findManifestByDigest('repo', image.digest)).toBeDefined();
      });

      it('are listed in byte order and paged', async () => {
        const image = await pushImage('repo', 'image');
        for (const tag of [...BYTE_ORDERED_NAMES].reverse().filter((tag) => !tag.includes('/'))) {
          await store.putManifest('repo', image, tag);
        }
        const tags = BYTE_ORDERED_NAMES.filter((tag) => !tag.includes('/'));

        expect(await tagsOf('repo')).toEqual(tags);
        expect(await store.tagsPage('repo', { limit: 0 })).toEqual([]);
        expect(await store.tagsPage('repo', { limit: 1 })).toEqual(['B']);
        expect(await store.tagsPage('repo', { last: 'B', limit: 2 })).toEqual(['a', 'a-b']);
        expect(await store.tagsPage('repo', { last: 'a-', limit: 1 })).toEqual(['a-b']);
        expect(await store.tagsPage('repo', { last: 'a.b' })).toEqual(['a_b', 'b']);
        expect(await store.tagsPage('repo', { last: 'b' })).toEqual([]);
        expect(await store.tagsPage('repo', { last: 'zzz', limit: 5 })).toEqual([]);
      });

      it('are listed per repository, empty or unknown', async () => {
        await pushImage('tagged', 'image', 'v1');
        await pushBlobs('untagged', 'blob');

        expect(await tagsOf('untagged')).toEqual([]);
        expect(await store.tagsPage('untagged', { limit: 0 })).toEqual([]);
        expect(await tagsOf('unknown')).toBeUndefined();
        expect(await store.tagsPage('unknown', { limit: 0 })).toBeUndefined();
        expect(await tagsOf('tagged')).toEqual(['v1']);
      });
    });

    describe('referrers', () => {
      it('are the manifests whose subject is the digest, optionally of one artifact type', async () => {
        const subject = digestOf('subject, never pushed');
        const [config] = await pushBlobs('repo', 'config');
        await pushBlobs('other', 'config');
        const signature = imageManifest([config!], {
          subject,
          artifactType: SIGNATURE,
          annotations: { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z' },
        });
        const sbom = imageManifest([config!], { subject, artifactType: SBOM });
        const untyped = imageManifest([config!], { subject, annotations: { untyped: 'yes' } });
        const unrelated = imageManifest([config!], {
          subject: digestOf('another subject'),
          artifactType: SBOM,
        });
        for (const manifest of [signature, sbom, untyped, unrelated])
          await store.putManifest('repo', manifest);
        await store.putManifest('other', signature);

        const referrer = (manifest: NewManifest) => ({
          digest: manifest.digest,
          mediaType: IMAGE_MANIFEST,
          size: manifest.payload.length,
          artifactType: manifest.artifactType,
          annotations: manifest.annotations,
        });
        const byDigest = (a: { digest: string }, b: { digest: string }) => a.digest.localeCompare(b.digest);

        const all = await store.referrers('repo', subject);
        expect([...all].sort(byDigest)).toEqual([signature, sbom, untyped].map(referrer).sort(byDigest));
        expect(await store.referrers('repo', subject, SBOM)).toEqual([referrer(sbom)]);
        expect(await store.referrers('repo', subject, 'application/unknown')).toEqual([]);
        expect(await store.referrers('repo', digestOf('no referrers'))).toEqual([]);
        expect(await store.referrers('unknown', subject)).toEqual([]);

        await store.deleteManifest('repo', signature.digest);
        expect(await store.referrers('repo', subject, SIGNATURE)).toEqual([]);
        expect(await store.referrers('other', subject)).toEqual([referrer(signature)]);
      });
    });

    describe('text PostgreSQL cannot hold', () => {
      // Valid JSON, so valid annotations: `\u0000`, and `\ud800` without the low half of its pair.
      const hostileAnnotations = {
        'org.example.nul': 'before\0after',
        'org.example.lone-high': '\ud800',
        'org.example.lone-low': 'x\udc00y',
        'org.example\0key': 'value',
        'org.example.pair': '\ud83d\ude00',
      };

      it('is kept in annotations, which read back exactly', async () => {
        const subject = digestOf('subject of hostile annotations');
        const [config] = await pushBlobs('repo', 'config');
        const hostile = imageManifest([config!], {
          subject,
          artifactType: SIGNATURE,
          annotations: hostileAnnotations,
        });
        const plain = imageManifest([config!], { subject, artifactType: SBOM, annotations: { a: 'b' } });
        expect(await store.putManifest('repo', hostile, 'hostile')).toEqual({
          status: 'stored',
          created: true,
        });
        expect(await store.putManifest('repo', plain)).toEqual({ status: 'stored', created: true });

        expect(await store.referrers('repo', subject, SIGNATURE)).toEqual([
          {
            digest: hostile.digest,
            mediaType: IMAGE_MANIFEST,
            size: hostile.payload.length,
            artifactType: SIGNATURE,
            annotations: hostileAnnotations,
          },
        ]);
        expect((await store.referrers('repo', subject, SBOM))[0]?.annotations).toEqual({ a: 'b' });
        expect((await store.findManifestByTag('repo', 'hostile'))?.payload.equals(hostile.payload)).toBe(
          true,
        );
      });

      it('filters referrers down to none as an artifact type', async () => {
        const subject = digestOf('subject');
        const [config] = await pushBlobs('repo', 'config');
        await store.putManifest('repo', imageManifest([config!], { subject, artifactType: SBOM }));

        expect(await store.referrers('repo', subject, `${SBOM}\0`)).toEqual([]);
        expect(await store.referrers('repo', subject, `${SBOM}\ud800`)).toEqual([]);
        expect(await store.referrers('repo', subject, SBOM)).toHaveLength(1);
      });

      it('pages as the part of `last` before its first NUL, which no name holds', async () => {
        const image = await pushImage('repo', 'image');
        const tags = BYTE_ORDERED_NAMES.filter((tag) => !tag.includes('/'));
        for (const tag of tags) await store.putManifest('repo', image, tag);
        for (const name of BYTE_ORDERED_NAMES) await pushBlobs(name, `blob of ${name}`);

        expect(await store.repositoriesPage({ last: 'a\0' })).toEqual([
          'a-b',
          'a.b',
          'a/b',
          'a_b',
          'b',
          'repo',
        ]);
        expect(await store.repositoriesPage({ last: 'a.b\0zzz', limit: 1 })).toEqual(['a/b']);
        expect(await store.repositoriesPage({ last: '\0b', limit: 1 })).toEqual(['B']);
        expect(await store.tagsPage('repo', { last: 'a\0b' })).toEqual(['a-b', 'a.b', 'a_b', 'b']);
        expect(await store.tagsPage('repo', { last: 'b\0' })).toEqual([]);
      });

      it('is refused elsewhere with UnstorableTextError, writing nothing', async () => {
        const [known] = await pushBlobs('repo', 'known');
        const refusals = [
          store.repositoryExists('re\0po'),
          store.findBlob(`${known!.digest}\0`),
          store.findManifestByTag('repo', 'v\ud800'),
          store.addBlob('new\0repo', blob('in a repository named with NUL')),
          store.linkBlob('new\0repo', known!.digest),
          store.putManifest('repo', { ...imageIndex([]), mediaType: `${IMAGE_INDEX}\0` }),
        ];
        for (const refusal of refusals) await expect(refusal).rejects.toBeInstanceOf(UnstorableTextError);
        expect(await store.repositoriesPage({})).toEqual(['repo']);
      });
    });

    describe('under concurrency', () => {
      it('records one blob when many add the same digest to a new repository', async () => {
        const record = blob('contended');
        const results = await Promise.all(
          Array.from({ length: PARALLEL }, (_, i) =>
            store.addBlob('new', { ...record, storageKey: `${record.storageKey}-${i}` }),
          ),
        );
        const created = results.filter((result) => result.created);
        expect(created).toHaveLength(1);
        const winner = created[0]!.blob;
        expect(results.every((result) => result.blob.storageKey === winner.storageKey)).toBe(true);
        expect(await store.findBlob(record.digest)).toEqual(winner);
        expect(await store.findRepositoryBlob('new', record.digest)).toEqual(winner);
        expect(await store.repositoriesPage({})).toEqual(['new']);
      });

      it('stores one manifest when many push it at once', async () => {
        const manifest = imageManifest(await pushBlobs('repo', 'config', 'layer'));
        const results = await Promise.all(
          Array.from({ length: PARALLEL }, () => store.putManifest('repo', manifest, 'latest')),
        );
        expect(results.filter((result) => result.status === 'stored')).toHaveLength(PARALLEL);
        expect(results.filter((result) => result.status === 'stored' && result.created)).toHaveLength(1);
        expect((await store.findManifestByTag('repo', 'latest'))?.digest).toBe(manifest.digest);
      });

      it('leaves a tag on one of the manifests pushed with it at once', async () => {
        const blobs = await pushBlobs('repo', 'config', 'layer');
        const manifests = Array.from({ length: PARALLEL }, (_, i) =>
          imageManifest(blobs, { annotations: { build: String(i) } }),
        );
        const results = await Promise.all(
          manifests.map((manifest) => store.putManifest('repo', manifest, 'latest')),
        );
        expect(results).toEqual(manifests.map(() => ({ status: 'stored', created: true })));
        const tagged = await store.findManifestByTag('repo', 'latest');
        expect(manifests.map((manifest) => manifest.digest)).toContain(tagged?.digest);
        expect(await tagsOf('repo')).toEqual(['latest']);
      });
    });
  });
}
