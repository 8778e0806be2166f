import { ADMIN, AdminClient, authOverrides, basic, ecKeyPair } from '../support/access-setup';
import { errorCodeOf, OciClient, sha256 } from '../support/oci-client';
import { dockerRef, jsonOf, useClientWorkspace } from '../support/real-clients';
import { describeEachFlavor } from '../support/test-registry';
import { blobDifferences, OciLayoutBuilder, readOciLayout, type BuiltImage } from './oci-layout';
import { mediumLayer, textLayer } from './sample-images';

const TIMEOUT = 120_000;
const TAG = 'v1';

interface Credentials {
  username: string;
  password: string;
}

const WRITER = { username: 'wendy', password: 'wendy-password-1' };
const READER = { username: 'rita', password: 'rita-password-12' };
const OUTSIDER = { username: 'oscar', password: 'oscar-password-1' };

/** `user:password`, as skopeo's --creds, --src-creds and --dest-creds take it. */
const creds = ({ username, password }: Credentials): string => `${username}:${password}`;

/**
 * The registry's refusal of a bearer token that lacks the scope. Matching it, rather than any
 * "denied", shows that skopeo did log in through the token endpoint and was refused for what its
 * token holds, not for a malformed request or a password sent where a token belongs.
 */
const REFUSED = /unauthorized: the token does not grant this access/;

/** An OCI layout on disk holding one image under TAG, and the blobs it is made of. */
interface SourceImage {
  path: string;
  image: BuiltImage;
  blobs: Map<string, Buffer>;
}

// Small images: what is under test is the login dance, not the transfer of large blobs.
describeEachFlavor(
  'skopeo with token authentication',
  (registry) => {
    const workspace = useClientWorkspace();
    const ref = (reference: string) => dockerRef(registry().url, reference);
    let robot: Credentials;

    /** Writes a fresh image, so a push of it has to upload every blob rather than find it there. */
    async function sourceImage(name: string): Promise<SourceImage> {
      const layout = new OciLayoutBuilder();
      const image = layout.addImage([textLayer('etc/motd', name), mediumLayer(`srv/${name}`)]);
      const path = workspace().path('sources', name);
      await layout.write(path, { [TAG]: image.manifest });
      return { path, image, blobs: layout.blobs };
    }

    const ociRef = (source: { path: string }) => `oci:${source.path}:${TAG}`;

    /** Pulls a tag into a new layout and expects exactly the source's manifest and blobs. */
    async function expectPullsBack(reference: string, source: SourceImage, flags: string[]): Promise<void> {
      const pulled = workspace().path(`pulled-${reference.replace(/[^a-z0-9]+/g, '-')}`);
      await workspace().skopeoCopy(ref(reference), `oci:${pulled}:${TAG}`, flags);
      const layout = await readOciLayout(pulled);
      expect(layout.tags.get(TAG)?.digest).toBe(source.image.manifest.digest);
      expect(blobDifferences(layout.blobs, source.blobs)).toEqual([]);
    }

    function listTags(repository: string, flags: string[]): Promise<string[]> {
      return workspace()
        .skopeo(['list-tags', '--tls-verify=false', ...flags, ref(repository)])
        .then((output) => jsonOf<{ Tags: string[] }>(output).Tags);
    }

    /** The registry's own answer, as a global admin sees it, for whether a repository exists. */
    async function repositoryStatus(repository: string): Promise<string> {
      const res = await new OciClient(registry().url).request('GET', `/v2/${repository}/tags/list`, {
        headers: { Authorization: basic(ADMIN.username, ADMIN.password) },
      });
      return res.status === 200 ? 'exists' : errorCodeOf(res);
    }

    beforeAll(async () => {
      const admin = new AdminClient(registry().url);
      for (const user of [WRITER, READER, OUTSIDER]) await admin.createUser(user.username, user.password);
      await admin.createNamespace('team-a');
      await admin.createNamespace('team-b');
      await admin.createNamespace('library', true);
      await admin.setMember('team-a', WRITER.username, 'writer');
      await admin.setMember('team-a', READER.username, 'reader');
      await admin.setMember('team-b', OUTSIDER.username, 'writer');
      await admin.setMember('library', WRITER.username, 'writer');
      const created = await admin.createRobot('team-a', 'ci', ['push']);
      robot = { username: created.account, password: created.secret };
    });

    it('sends clients to the token endpoint rather than asking for Basic credentials', async () => {
      // containers/image logs in the way the challenge says: a Bearer challenge means every skopeo
      // run below fetches tokens from /auth/token and never sends its password to /v2.
      const res = await fetch(new URL('/v2/', registry().url));
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(
        `Bearer realm="${registry().url}/auth/token",service="${registry().config.auth.service}"`,
      );
    });

    // The later tests read what this one pushes.
    it(
      'lets a writer push an image and pull it back byte for byte',
      async () => {
        const source = await sourceImage('writer');
        await workspace().skopeoCopy(ociRef(source), ref('team-a/app:v1'), ['--dest-creds', creds(WRITER)]);
        await expectPullsBack('team-a/app:v1', source, ['--src-creds', creds(WRITER)]);
        const raw = await workspace().skopeoInspect(ref('team-a/app:v1'), [
          '--raw',
          '--creds',
          creds(WRITER),
        ]);
        expect(sha256(raw.stdout)).toBe(source.image.manifest.digest);
      },
      TIMEOUT,
    );

    it(
      'lets a robot account with push push and pull',
      async () => {
        const source = await sourceImage('robot');
        await workspace().skopeoCopy(ociRef(source), ref('team-a/built:v1'), ['--dest-creds', creds(robot)]);
        await expectPullsBack('team-a/built:v1', source, ['--src-creds', creds(robot)]);
      },
      TIMEOUT,
    );

    it(
      "refuses a reader's push and tags nothing",
      async () => {
        const source = await sourceImage('reader');
        await expect(
          workspace().skopeoCopy(ociRef(source), ref('team-a/app:from-reader'), [
            '--dest-creds',
            creds(READER),
          ]),
        ).rejects.toThrow(REFUSED);
        await expect(
          workspace().skopeoCopy(ociRef(source), ref('team-a/new:v1'), ['--dest-creds', creds(READER)]),
        ).rejects.toThrow(REFUSED);
        // The reader may still read, and sees only the writer's tag.
        expect(await listTags('team-a/app', ['--creds', creds(READER)])).toEqual(['v1']);
        expect(await repositoryStatus('team-a/new')).toBe('NAME_UNKNOWN');
      },
      TIMEOUT,
    );

    it(
      "keeps another namespace's user out of a private repository, even as a copy source",
      async () => {
        await expect(
          workspace().skopeoInspect(ref('team-a/app:v1'), ['--raw', '--creds', creds(OUTSIDER)]),
        ).rejects.toThrow(REFUSED);
        await expect(
          workspace().skopeoCopy(ref('team-a/app:v1'), ref('team-b/stolen:v1'), [
            '--src-creds',
            creds(OUTSIDER),
            '--dest-creds',
            creds(OUTSIDER),
          ]),
        ).rejects.toThrow(REFUSED);
        expect(await repositoryStatus('team-b/stolen')).toBe('NAME_UNKNOWN');
      },
      TIMEOUT,
    );

    it(
      'serves a public namespace to anonymous clients, who still may not push to it',
      async () => {
        const source = await sourceImage('public');
        await workspace().skopeoCopy(ociRef(source), ref('library/base:v1'), ['--dest-creds', creds(WRITER)]);

        const raw = await workspace().skopeoInspect(ref('library/base:v1'), ['--raw', '--no-creds']);
        expect(sha256(raw.stdout)).toBe(source.image.manifest.digest);
        await expectPullsBack('library/base:v1', source, ['--src-no-creds']);
        await expect(
          workspace().skopeoInspect(ref('team-a/app:v1'), ['--raw', '--no-creds']),
        ).rejects.toThrow(REFUSED);

        const attempt = await sourceImage('anonymous');
        await expect(
          workspace().skopeoCopy(ociRef(attempt), ref('library/base:anonymous'), ['--dest-no-creds']),
        ).rejects.toThrow(REFUSED);
        expect(await listTags('library/base', ['--no-creds'])).toEqual(['v1']);
      },
      TIMEOUT,
    );
  },
  authOverrides(ecKeyPair().privatePem),
);
