import { OCI_INDEX, sha256 } from '../support/oci-client';
import { dockerRef, jsonOf, useClientWorkspace } from '../support/real-clients';
import { describeEachFlavor } from '../support/test-registry';
import {
  blobDifferences,
  OciLayoutBuilder,
  readOciLayout,
  type BuiltImage,
  type Descriptor,
} from './oci-layout';
import { randomLayer, textLayer } from './sample-images';

const TIMEOUT = 180_000;
const MiB = 1024 * 1024;

// The first test pushes the index the second one inspects.
describeEachFlavor('skopeo: multi-platform image index', (registry) => {
  const workspace = useClientWorkspace();
  const layout = new OciLayoutBuilder();
  let platforms: BuiltImage[];
  let index: Descriptor;
  const ref = (reference: string) => dockerRef(registry().url, reference);

  beforeAll(async () => {
    // Both platforms share their first layer, so the registry sees one blob claimed twice.
    const shared = textLayer('etc/os-release', 'ID=berth-e2e');
    platforms = [
      layout.addImage([shared, randomLayer('bin/app', MiB + 17)], { os: 'linux', architecture: 'amd64' }),
      layout.addImage([shared, randomLayer('bin/app', 2 * MiB + 3)], { os: 'linux', architecture: 'arm64' }),
    ];
    index = layout.addIndex(platforms.map((platform) => platform.manifest));
    await layout.write(workspace().path('source'), { v1: index });
  });

  it(
    'pushes the index with --all and pulls back the index, both manifests and their blobs byte for byte',
    async () => {
      await workspace().skopeoCopy(`oci:${workspace().path('source')}:v1`, ref('e2e/multi:v1'), ['--all']);
      await workspace().skopeoCopy(ref('e2e/multi:v1'), `oci:${workspace().path('pulled')}:v1`, ['--all']);
      const pulled = await readOciLayout(workspace().path('pulled'));
      expect(pulled.tags.get('v1')).toMatchObject({ digest: index.digest, mediaType: OCI_INDEX });
      expect(blobDifferences(pulled.blobs, layout.blobs)).toEqual([]);
    },
    TIMEOUT,
  );

  it('resolves the index to each platform manifest', async () => {
    const raw = await workspace().skopeoInspect(ref('e2e/multi:v1'), ['--raw']);
    expect(sha256(raw.stdout)).toBe(index.digest);
    for (const image of platforms) {
      const architecture = image.manifest.platform?.architecture;
      const chosen = await workspace().skopeoInspect(ref('e2e/multi:v1'), [
        `--override-arch=${architecture}`,
        '--override-os=linux',
      ]);
      // skopeo reports the digest of what the tag names (the index) and the chosen image's details.
      expect(jsonOf(chosen)).toMatchObject({
        Digest: index.digest,
        Architecture: architecture,
        Layers: image.layers,
      });
      const child = await workspace().skopeoInspect(ref(`e2e/multi@${image.manifest.digest}`), ['--raw']);
      expect(sha256(child.stdout)).toBe(image.manifest.digest);
    }
  });
});
