import type { RegistryEvent } from '@berth/metadata-store';
import { ADMIN, AdminClient, authOverrides, basic, ecKeyPair } from '../support/access-setup';
import { OCI_CONFIG, OCI_LAYER, OCI_MANIFEST, randomBlob, sha256, uniqueRepo } from '../support/oci-client';
import { describeEachFlavor, type TestRegistry } from '../support/test-registry';

const signing = ecKeyPair();
const PUSHER = { username: 'petra', password: 'petra-password-12' };

/** Sends a request as `account`, expecting `status`. */
async function send(
  registry: TestRegistry,
  account: { username: string; password: string },
  status: number,
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: Buffer } = {},
): Promise<Response> {
  const res = await fetch(new URL(path, registry.url), {
    method,
    redirect: 'manual',
    headers: { Authorization: basic(account.username, account.password), ...init.headers },
    ...(init.body ? { body: init.body } : {}),
  });
  if (res.status !== status) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res;
}

describeEachFlavor(
  'the actor of every write, recorded with its events',
  (started) => {
    let registry: TestRegistry;

    beforeAll(async () => {
      registry = started();
      await new AdminClient(registry.url).createUser(PUSHER.username, PUSHER.password, true);
    });

    /** The events written while `writes` runs, read from the event log by a consumer of its own. */
    async function eventsOf(writes: () => Promise<void>): Promise<RegistryEvent[]> {
      const { events } = registry.running.registry.backends.metadata;
      const consumer = `actors-${uniqueRepo('c').replaceAll('/', '-')}`;
      await events.register(consumer, 'latest');
      try {
        await writes();
        return await events.read(consumer, 100);
      } finally {
        await events.unregister(consumer);
      }
    }

    it('names the account that pushed, mounted, tagged and deleted', async () => {
      const name = uniqueRepo('actors');
      const mirror = uniqueRepo('actors-mirror');
      const layer = randomBlob(3000);
      const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: OCI_CONFIG, digest: sha256(config), size: config.length },
          layers: [{ mediaType: OCI_LAYER, digest: sha256(layer), size: layer.length }],
        }),
      );
      const octets = { 'Content-Type': 'application/octet-stream' };
      const events = await eventsOf(async () => {
        // One blob in a single POST, the other through a session completed by PUT.
        await send(registry, PUSHER, 201, 'POST', `/v2/${name}/blobs/uploads/?digest=${sha256(layer)}`, {
          headers: octets,
          body: layer,
        });
        const session = await send(registry, ADMIN, 202, 'POST', `/v2/${name}/blobs/uploads/`);
        const location = session.headers.get('location') ?? '';
        const separator = location.includes('?') ? '&' : '?';
        await send(registry, ADMIN, 201, 'PUT', `${location}${separator}digest=${sha256(config)}`, {
          headers: octets,
          body: config,
        });
        await send(registry, PUSHER, 201, 'PUT', `/v2/${name}/manifests/v1`, {
          headers: { 'Content-Type': OCI_MANIFEST },
          body: manifest,
        });
        await send(
          registry,
          ADMIN,
          201,
          'POST',
          `/v2/${mirror}/blobs/uploads/?mount=${sha256(layer)}&from=${name}`,
        );
        await send(registry, ADMIN, 202, 'DELETE', `/v2/${name}/manifests/v1`);
        await send(registry, PUSHER, 202, 'DELETE', `/v2/${name}/manifests/${sha256(manifest)}`);
        await send(registry, ADMIN, 202, 'DELETE', `/v2/${mirror}/blobs/${sha256(layer)}`);
      });
      expect(events.map(({ kind, repository, actor }) => [kind, repository, actor])).toEqual([
        ['repository.created', name, PUSHER.username],
        ['blob.uploaded', name, PUSHER.username],
        ['blob.uploaded', name, ADMIN.username],
        ['manifest.pushed', name, PUSHER.username],
        ['tag.created', name, PUSHER.username],
        ['repository.created', mirror, ADMIN.username],
        ['blob.mounted', mirror, ADMIN.username],
        ['tag.deleted', name, ADMIN.username],
        ['manifest.deleted', name, PUSHER.username],
        ['blob.unlinked', mirror, ADMIN.username],
      ]);
    });
  },
  authOverrides(signing.privatePem),
);
