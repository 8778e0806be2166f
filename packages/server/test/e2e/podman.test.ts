import { readFile } from 'node:fs/promises';
import { dockerRef, jsonOf, lastLine, registryHost, useClientWorkspace } from '../support/real-clients';
import { describeEachFlavor } from '../support/test-registry';
import { OciLayoutBuilder, type BuiltImage } from './oci-layout';
import { threeLayers } from './sample-images';

const TIMEOUT = 180_000;

// Tests run in order: the first pushes the image the others pull and find.
describeEachFlavor('podman: push, pull into fresh storage, search', (registry) => {
  const workspace = useClientWorkspace();
  let image: BuiltImage;
  let imageId: string;
  let pushedDigest: string;
  const name = () => `${registryHost(registry().url)}/e2e/podman`;

  it(
    'loads an image from an OCI layout and pushes it',
    async () => {
      const layout = new OciLayoutBuilder();
      image = layout.addImage(threeLayers());
      await layout.write(workspace().path('source'), { v1: image.manifest });
      imageId = lastLine(
        await workspace().podman('build', ['pull', '--quiet', `oci:${workspace().path('source')}:v1`]),
      );
      // podman's image ID is the config digest, which loading must not change.
      expect(`sha256:${imageId}`).toBe(image.config);
      const digestFile = workspace().path('digest');
      await workspace().podman('build', [
        'push',
        '--quiet',
        '--tls-verify=false',
        `--digestfile=${digestFile}`,
        imageId,
        dockerRef(registry().url, 'e2e/podman:v1'),
      ]);
      pushedDigest = (await readFile(digestFile, 'utf8')).trim();
      expect(pushedDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    },
    TIMEOUT,
  );

  it(
    'pulls by tag and by digest into fresh storage with the same image ID and digest',
    async () => {
      const pulled = lastLine(
        await workspace().podman('fresh', ['pull', '--quiet', '--tls-verify=false', `${name()}:v1`]),
      );
      expect(pulled).toBe(imageId);
      const [inspected] = jsonOf<{ Id: string; Digest: string; RepoDigests: string[] }[]>(
        await workspace().podman('fresh', ['image', 'inspect', `${name()}:v1`]),
      );
      expect(inspected).toMatchObject({ Id: imageId, Digest: pushedDigest });
      expect(inspected?.RepoDigests).toContain(`${name()}@${pushedDigest}`);

      const byDigest = await workspace().podman('by-digest', [
        'pull',
        '--quiet',
        '--tls-verify=false',
        `${name()}@${pushedDigest}`,
      ]);
      expect(lastLine(byDigest)).toBe(imageId);
    },
    TIMEOUT,
  );

  it('finds the repository through the catalog and its tags through the tag list', async () => {
    // podman tries the v1 search API first and falls back to /v2/_catalog when it is absent.
    const found = jsonOf<{ Name: string }[]>(
      await workspace().podman('fresh', [
        'search',
        '--tls-verify=false',
        '--format=json',
        `${registryHost(registry().url)}/e2e`,
      ]),
    );
    expect(found.map((entry) => entry.Name)).toContain(name());
    const tags = jsonOf<{ Name: string; Tags: string[] }[]>(
      await workspace().podman('fresh', [
        'search',
        '--list-tags',
        '--tls-verify=false',
        '--format=json',
        name(),
      ]),
    );
    expect(tags).toEqual([{ Name: name(), Tags: ['v1'] }]);
  });
});
