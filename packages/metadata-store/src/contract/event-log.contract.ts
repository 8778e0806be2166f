import { InvalidEventPositionError, UnknownConsumerError } from '../events/event-log';
import type { RegistryChange, RegistryEvent } from '../events/registry-event';
import type { MetadataStore } from '../metadata-store';
import type { BlobRecord } from '../model';
import { digestOf, imageIndex, imageManifest, type ContractStore } from './metadata-store.contract';

const PARALLEL = 30;

function blob(label: string, size = 512): BlobRecord {
  const digest = digestOf(label);
  return { digest, size, storageKey: `blobs/sha256/${digest.slice('sha256:'.length)}` };
}

/** What an event says, without where it stands and when it happened. */
function changeOf(event: RegistryEvent): RegistryChange & { repository: string; actor?: string } {
  const { position: _position, occurredAt: _occurredAt, ...change } = event;
  return change;
}

/**
 * The behaviour of the event log every MetadataStore adapter must show: which writes record
 * which events, and how consumers read them. `makeStore` must return a migrated, empty store.
 */
export function describeEventLogContract(name: string, makeStore: () => Promise<ContractStore>): void {
  describe(`EventLog contract: ${name}`, () => {
    let store: MetadataStore;
    let cleanup: () => Promise<void>;

    /** Every event recorded so far, read by a consumer of its own. */
    async function allEvents(): Promise<RegistryEvent[]> {
      const reader = `all-${Math.random().toString(36).slice(2)}`;
      await store.events.register(reader, 'oldest');
      try {
        return await store.events.read(reader, 10_000);
      } finally {
        await store.events.unregister(reader);
      }
    }

    async function changes(): Promise<ReturnType<typeof changeOf>[]> {
      return (await allEvents()).map(changeOf);
    }

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
      expect(await store.events.consumers()).toEqual([]);
      expect(await allEvents()).toEqual([]);
    });

    afterEach(() => cleanup());

    describe('writes', () => {
      it('record blob uploads, mounts and unlinks, with the repository created first', async () => {
        const layer = blob('layer');
        await store.addBlob('team/app', layer, { actor: 'alice' });
        await store.addBlob('team/app', layer, { actor: 'alice' });
        expect(await store.linkBlob('team/other', layer.digest, { actor: 'ci' })).toBe(true);
        expect(await store.linkBlob('team/other', layer.digest, { actor: 'ci' })).toBe(true);
        expect(await store.unlinkBlob('team/app', layer.digest)).toBe(true);

        expect(await changes()).toEqual([
          { kind: 'repository.created', repository: 'team/app', actor: 'alice' },
          { kind: 'blob.uploaded', repository: 'team/app', actor: 'alice', digest: layer.digest, size: 512 },
          { kind: 'repository.created', repository: 'team/other', actor: 'ci' },
          { kind: 'blob.mounted', repository: 'team/other', actor: 'ci', digest: layer.digest },
          { kind: 'blob.unlinked', repository: 'team/app', digest: layer.digest },
        ]);
      });

      it('record manifests pushed and tags created, moved and deleted, only when they change', async () => {
        const blobs = [blob('config'), blob('layer')];
        for (const record of blobs) await store.addBlob('app', record);
        const first = imageManifest(blobs);
        const second = imageManifest(blobs, { annotations: { build: '2' } });
        const index = imageIndex([first]);
        const before = (await allEvents()).length;

        await store.putManifest('app', first, 'latest', { actor: 'ci' });
        await store.putManifest('app', first, 'latest', { actor: 'ci' });
        await store.putManifest('app', first, 'stable', { actor: 'ci' });
        await store.putManifest('app', second, 'latest', { actor: 'ci' });
        await store.putManifest('app', index);
        expect(await store.deleteTag('app', 'stable', { actor: 'bob' })).toBe(true);

        const pushed = (manifest: typeof first) => ({
          kind: 'manifest.pushed',
          repository: 'app',
          digest: manifest.digest,
          mediaType: manifest.mediaType,
          size: manifest.payload.length,
        });
        expect((await changes()).slice(before)).toEqual([
          { ...pushed(first), actor: 'ci' },
          { kind: 'tag.created', repository: 'app', actor: 'ci', tag: 'latest', digest: first.digest },
          { kind: 'tag.created', repository: 'app', actor: 'ci', tag: 'stable', digest: first.digest },
          { ...pushed(second), actor: 'ci' },
          {
            kind: 'tag.moved',
            repository: 'app',
            actor: 'ci',
            tag: 'latest',
            digest: second.digest,
            previousDigest: first.digest,
          },
          pushed(index),
          { kind: 'tag.deleted', repository: 'app', actor: 'bob', tag: 'stable', digest: first.digest },
        ]);
      });

      it('record a deleted manifest after each tag that went with it', async () => {
        const blobs = [blob('config'), blob('layer')];
        for (const record of blobs) await store.addBlob('app', record);
        const manifest = imageManifest(blobs);
        await store.putManifest('app', manifest, 'v2');
        await store.putManifest('app', manifest, 'v1');
        const before = (await allEvents()).length;

        expect(await store.deleteManifest('app', manifest.digest, { actor: 'ops' })).toBe(true);
        expect((await changes()).slice(before)).toEqual([
          { kind: 'tag.deleted', repository: 'app', actor: 'ops', tag: 'v1', digest: manifest.digest },
          { kind: 'tag.deleted', repository: 'app', actor: 'ops', tag: 'v2', digest: manifest.digest },
          { kind: 'manifest.deleted', repository: 'app', actor: 'ops', digest: manifest.digest },
        ]);
      });

      it('record the subject of a referrer', async () => {
        const blobs = [blob('sig config'), blob('sig layer')];
        for (const record of blobs) await store.addBlob('app', record);
        const subject = digestOf('some image');
        const signature = imageManifest(blobs, {
          subject,
          artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
        });
        await store.putManifest('app', signature);
        expect((await changes()).at(-1)).toMatchObject({ kind: 'manifest.pushed', subjectDigest: subject });
      });

      it('record nothing for writes that are refused or change nothing', async () => {
        const blobs = [blob('config'), blob('layer')];
        expect(await store.putManifest('app', imageManifest(blobs), 'latest')).toMatchObject({
          status: 'missing-references',
        });
        expect(await store.linkBlob('app', digestOf('unknown'))).toBe(false);
        expect(await store.unlinkBlob('app', blobs[0]!.digest)).toBe(false);
        expect(await store.deleteTag('app', 'latest')).toBe(false);
        expect(await store.deleteManifest('app', digestOf('absent'))).toBe(false);
        expect(await store.repositoryExists('app')).toBe(false);
        expect(await allEvents()).toEqual([]);

        await store.addBlob('app', blobs[0]!);
        const recorded = (await allEvents()).length;
        expect(await store.unlinkBlob('app', blobs[1]!.digest)).toBe(false);
        expect(await store.deleteTag('app', 'latest')).toBe(false);
        expect(await store.deleteManifest('app', digestOf('absent'))).toBe(false);
        expect(await allEvents()).toHaveLength(recorded);
      });

      it('record one creation and one upload when many add one blob to a new repository at once', async () => {
        const layer = blob('shared layer');
        await Promise.all(Array.from({ length: PARALLEL }, () => store.addBlob('busy', layer)));
        expect(await changes()).toEqual([
          { kind: 'repository.created', repository: 'busy' },
          { kind: 'blob.uploaded', repository: 'busy', digest: layer.digest, size: 512 },
        ]);
      });

      it('record concurrent moves of one tag in the order they took effect', async () => {
        const blobs = [blob('config'), blob('layer')];
        for (const record of blobs) await store.addBlob('app', record);
        const manifests = Array.from({ length: 8 }, (_, i) =>
          imageManifest(blobs, { annotations: { n: String(i) } }),
        );
        await Promise.all(manifests.map((manifest) => store.putManifest('app', manifest, 'latest')));

        const tagEvents = (await allEvents()).flatMap((event) =>
          event.kind === 'tag.created' || event.kind === 'tag.moved' ? [event] : [],
        );
        expect(tagEvents).toHaveLength(manifests.length);
        expect(tagEvents[0]).toMatchObject({ kind: 'tag.created' });
        // Each move starts where the one before it left the tag, and the last names the tag's manifest.
        for (let i = 1; i < tagEvents.length; i++) {
          expect(tagEvents[i]).toMatchObject({ kind: 'tag.moved', previousDigest: tagEvents[i - 1]!.digest });
        }
        const current = await store.findManifestByTag('app', 'latest');
        expect(tagEvents.at(-1)!.digest).toBe(current?.digest);
      });
    });

    describe('consumers', () => {
      async function pushBlobs(repository: string, ...labels: string[]): Promise<void> {
        for (const label of labels) await store.addBlob(repository, blob(label));
      }

      it('read from the oldest event or after the newest, at their own pace', async () => {
        await pushBlobs('app', 'a', 'b');
        await store.events.register('webhooks', 'oldest');
        await store.events.register('audit', 'latest');
        await pushBlobs('app', 'c');

        const early = await store.events.read('webhooks', 2);
        expect(early.map((event) => event.kind)).toEqual(['repository.created', 'blob.uploaded']);
        // Reading again without advancing delivers the same events: at least once.
        expect(await store.events.read('webhooks', 2)).toEqual(early);
        await store.events.advance('webhooks', early[1]!.position);
        const rest = await store.events.read('webhooks', 10);
        expect(rest.map((event) => 'digest' in event && event.digest)).toEqual([
          blob('b').digest,
          blob('c').digest,
        ]);

        expect((await store.events.read('audit', 10)).map(changeOf)).toEqual([
          { kind: 'blob.uploaded', repository: 'app', digest: blob('c').digest, size: 512 },
        ]);
      });

      it('keep their cursor when registered again, and never move it back', async () => {
        await pushBlobs('app', 'a', 'b');
        await store.events.register('gc', 'oldest');
        const events = await store.events.read('gc', 10);
        await store.events.advance('gc', events.at(-1)!.position);
        await store.events.register('gc', 'oldest');
        await store.events.advance('gc', events[0]!.position);
        expect(await store.events.read('gc', 10)).toEqual([]);
      });

      it('are refused when never registered, and positions no log gave out are refused', async () => {
        await expect(store.events.read('nobody', 10)).rejects.toThrow(UnknownConsumerError);
        await expect(store.events.advance('nobody', '1/1')).rejects.toThrow(UnknownConsumerError);
        await store.events.register('gc', 'oldest');
        for (const position of [
          '',
          '1',
          '1/x',
          '-1/2',
          '1/2/3',
          `${'9'.repeat(20)}/1`,
          `1/${'9'.repeat(19)}`,
        ]) {
          await expect(store.events.advance('gc', position)).rejects.toThrow(InvalidEventPositionError);
        }
        expect(await store.events.unregister('gc')).toBe(true);
        expect(await store.events.unregister('gc')).toBe(false);
        await expect(store.events.read('gc', 10)).rejects.toThrow(UnknownConsumerError);
      });

      it('are listed with how far they have read and what waits for them', async () => {
        await store.events.register('caught-up', 'latest');
        await store.events.register('behind', 'oldest');
        expect(await store.events.consumers()).toEqual([
          { name: 'behind', updatedAt: expect.any(Date) },
          { name: 'caught-up', updatedAt: expect.any(Date) },
        ]);

        await pushBlobs('app', 'a');
        const [first, second] = await store.events.read('behind', 10);
        await store.events.advance('behind', first!.position);
        const listed = await store.events.consumers();
        expect(listed).toEqual([
          {
            name: 'behind',
            position: first!.position,
            oldestPendingAt: second!.occurredAt,
            updatedAt: expect.any(Date),
          },
          { name: 'caught-up', oldestPendingAt: first!.occurredAt, updatedAt: expect.any(Date) },
        ]);
      });
    });

    describe('pruning', () => {
      const future = () => new Date(Date.now() + 60_000);

      it('deletes old events once every consumer has handled them, and not before', async () => {
        await store.addBlob('app', blob('a'));
        await store.addBlob('app', blob('b'));
        await store.events.register('slow', 'oldest');
        const events = await store.events.read('slow', 10);
        expect(events).toHaveLength(3);

        expect(await store.events.prune(new Date(Date.now() - 60_000), 100)).toBe(0);
        expect(await store.events.prune(future(), 100)).toBe(0);
        await store.events.advance('slow', events[1]!.position);
        expect(await store.events.prune(future(), 100)).toBe(2);
        expect(await store.events.read('slow', 10)).toEqual([events[2]]);

        await store.events.unregister('slow');
        expect(await store.events.prune(future(), 100)).toBe(1);
      });

      it('deletes at most the limit at a time, oldest first', async () => {
        for (const label of ['a', 'b', 'c', 'd']) await store.addBlob('app', blob(label));
        // The repository's creation and the first upload go first.
        expect(await store.events.prune(future(), 2)).toBe(2);
        expect((await allEvents()).map((event) => 'digest' in event && event.digest)).toEqual([
          blob('b').digest,
          blob('c').digest,
          blob('d').digest,
        ]);
      });
    });
  });
}
