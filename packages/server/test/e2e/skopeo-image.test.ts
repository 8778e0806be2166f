import { sha256 } from '../support/oci-client';
import { dockerRef, jsonOf, registryHost, useClientWorkspace } from '../support/real-clients';
import { describeEachFlavor } from '../support/test-registry';
import { blobDifferences, OciLayoutBuilder, readOciLayout, type BuiltImage } from './oci-layout';
import { threeLayers } from './sample-images';

const TIMEOUT = 180_000;

// The tests of a block run in order and build on each other: the first pushes the image the
// others read back, as a client session against a registry would.
describeEachFlavor('skopeo: one image through an OCI layout', (registry) => {
  const workspace = useClientWorkspace();
  const layout = new OciLayoutBuilder();
  let image: BuiltImage;
  const ref = (reference: string) => dockerRef(registry().url, reference);

  beforeAll(async () => {
    image = layout.addImage(threeLayers());
    await layout.write(workspace().path('source'), { v1: image.manifest });
  });

  it(
    'pushes the layout and pulls back every blob and the manifest byte for byte',
    async () => {
      await workspace().skopeoCopy(`oci:${workspace().path('source')}:v1`, ref('e2e/single:v1'));
      await workspace().skopeoCopy(ref('e2e/single:v1'), `oci:${workspace().path('pulled')}:v1`);
      const pulled = await readOciLayout(workspace().path('pulled'));
      expect(pulled.tags.get('v1')?.digest).toBe(image.manifest.digest);
      expect(blobDifferences(pulled.blobs, layout.blobs)).toEqual([]);
    },
    TIMEOUT,
  );

  it('serves the exact manifest and config to inspect, by tag and by digest', async () => {
    const raw = await workspace().skopeoInspect(ref('e2e/single:v1'), ['--raw']);
    // Equal digests mean equal bytes, and a mismatch reads better than a buffer diff.
    expect(sha256(raw.stdout)).toBe(image.manifest.digest);
    const config = await workspace().skopeoInspect(ref(`e2e/single@${image.manifest.digest}`), [
      '--config',
      '--raw',
    ]);
    expect(sha256(config.stdout)).toBe(image.config);
    const summary = await workspace().skopeoInspect(ref('e2e/single:v1'));
    expect(jsonOf(summary)).toMatchObject({
      Digest: image.manifest.digest,
      Layers: image.layers,
      Architecture: 'amd64',
      Os: 'linux',
    });
  });

  it(
    'copies registry to registry, within and across repositories, and lists the tags',
    async () => {
      // Same repository: every blob already exists, so skopeo only checks and writes the manifest.
      await workspace().skopeoCopy(ref('e2e/single:v1'), ref('e2e/single:v2'));
      // Another repository: skopeo asks for cross-repository mounts of the blobs it knows are here.
      await workspace().skopeoCopy(ref('e2e/single:v1'), ref('e2e/copy:v1'));
      const copied = await workspace().skopeoInspect(ref('e2e/copy:v1'), ['--raw']);
      expect(sha256(copied.stdout)).toBe(image.manifest.digest);

      const tags = await workspace().skopeo(['list-tags', '--tls-verify=false', ref('e2e/single')]);
      expect(jsonOf(tags)).toEqual({
        Repository: `${registryHost(registry().url)}/e2e/single`,
        Tags: ['v1', 'v2'],
      });
    },
    TIMEOUT,
  );

  it('deletes the copy by digest, leaving the same manifest in the other repository', async () => {
    // skopeo delete resolves the tag and sends DELETE for the manifest's digest.
    await workspace().skopeo(['delete', '--tls-verify=false', ref('e2e/copy:v1')]);
    await expect(workspace().skopeoInspect(ref('e2e/copy:v1'), ['--raw'])).rejects.toThrow(
      /manifest unknown/,
    );
    const kept = await workspace().skopeoInspect(ref(`e2e/single@${image.manifest.digest}`), ['--raw']);
    expect(sha256(kept.stdout)).toBe(image.manifest.digest);
  });
});
