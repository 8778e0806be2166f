import { writeFile } from 'node:fs/promises';
import { OCI_INDEX, OCI_MANIFEST, sha256 } from '../support/oci-client';
import {
  containerdUnavailable,
  dockerRef,
  jsonOf,
  registryHost,
  startContainerd,
  useClientWorkspace,
  type Containerd,
} from '../support/real-clients';
import { describeEachFlavor } from '../support/test-registry';
import {
  blobDifferences,
  OciLayoutBuilder,
  readOciLayout,
  type BuiltImage,
  type Descriptor,
} from './oci-layout';
import { randomLayer, textLayer, threeLayers } from './sample-images';

const TIMEOUT = 180_000;

// containerd needs root and a kernel that lets it run its daemon; a sandbox without them
// cannot host it, which says nothing about the registry. Probed at load time because jest
// decides what to skip before any hook runs; CI runs as root, where this never skips.
const unavailable = containerdUnavailable();
if (unavailable) console.warn(`containerd tests skipped: ${unavailable}`);
const containerdIt = unavailable ? it.skip : it;

/** The `ctr images ls` row of a reference, split on whitespace: ref, media type, digest, size... */
async function imageRow(containerd: Containerd, reference: string): Promise<string[]> {
  const listing = (await containerd.ctr(['images', 'ls'])).stdout.toString();
  const row = listing.split('\n').find((line) => line.startsWith(`${reference} `));
  if (!row) throw new Error(`${reference} not in ctr images ls:\n${listing}`);
  return row.split(/\s+/);
}

describeEachFlavor('containerd: ctr pull, import and push', (registry) => {
  const workspace = useClientWorkspace();
  const layout = new OciLayoutBuilder();
  let containerd: Containerd;
  let image: BuiltImage;
  let platforms: BuiltImage[];
  let index: Descriptor;
  const name = (reference: string) => `${registryHost(registry().url)}/${reference}`;
  const ref = (reference: string) => dockerRef(registry().url, reference);
  // Unpacking with the native snapshotter checks every layer against its diff ID without needing overlayfs.
  const pull = (reference: string, ...flags: string[]) =>
    containerd.ctr(['images', 'pull', '--plain-http', '--snapshotter=native', ...flags, name(reference)]);

  beforeAll(async () => {
    containerd = await startContainerd();
    image = layout.addImage(threeLayers());
    platforms = (['amd64', 'arm64'] as const).map((architecture) =>
      layout.addImage([textLayer('etc/arch', architecture), randomLayer('bin/app', 300_000)], {
        os: 'linux',
        architecture,
      }),
    );
    index = layout.addIndex(platforms.map((platform) => platform.manifest));
    await layout.write(workspace().path('source'), { single: image.manifest, multi: index });
    const targets = { single: 'e2e/containerd:v1', multi: 'e2e/containerd-multi:v1' };
    for (const [tag, target] of Object.entries(targets)) {
      await workspace().skopeoCopy(`oci:${workspace().path('source')}:${tag}`, ref(target), ['--all']);
    }
  }, TIMEOUT);

  afterAll(async () => {
    await containerd?.stop();
  });

  containerdIt(
    'pulls and unpacks an image, lists it with its digest and holds every blob intact',
    async () => {
      await pull('e2e/containerd:v1');
      expect((await imageRow(containerd, name('e2e/containerd:v1'))).slice(1, 3)).toEqual([
        OCI_MANIFEST,
        image.manifest.digest,
      ]);
      for (const digest of [image.manifest.digest, image.config, ...image.layers]) {
        const content = await containerd.ctr(['content', 'get', digest]);
        expect(sha256(content.stdout)).toBe(digest);
      }
    },
    TIMEOUT,
  );

  containerdIt(
    'pulls every platform of an index',
    async () => {
      await pull('e2e/containerd-multi:v1', '--all-platforms');
      const row = await imageRow(containerd, name('e2e/containerd-multi:v1'));
      expect(row.slice(1, 3)).toEqual([OCI_INDEX, index.digest]);
      expect(row).toContain('linux/amd64,linux/arm64');
      for (const platform of platforms) {
        const manifest = await containerd.ctr(['content', 'get', platform.manifest.digest]);
        expect(jsonOf<{ layers: Descriptor[] }>(manifest).layers.map((layer) => layer.digest)).toEqual(
          platform.layers,
        );
      }
    },
    TIMEOUT,
  );

  containerdIt(
    'imports an OCI archive and uploads it with ctr, each blob in one PUT',
    async () => {
      // An imported image has no source registry to mount from, so ctr uploads every blob.
      const archive = new OciLayoutBuilder();
      const upload = archive.addImage([
        textLayer('etc/motd', 'uploaded by ctr'),
        randomLayer('data/big.bin', 6_500_001),
      ]);
      await writeFile(workspace().path('upload.tar'), archive.archive({ v1: upload.manifest }));
      await containerd.ctr([
        'images',
        'import',
        '--snapshotter=native',
        `--base-name=${name('e2e/ctr-upload')}`,
        workspace().path('upload.tar'),
      ]);
      await containerd.ctr(['images', 'push', '--plain-http', name('e2e/ctr-upload:v1')]);
      await workspace().skopeoCopy(ref('e2e/ctr-upload:v1'), `oci:${workspace().path('uploaded')}:v1`);
      const pulled = await readOciLayout(workspace().path('uploaded'));
      expect(pulled.tags.get('v1')?.digest).toBe(upload.manifest.digest);
      expect(blobDifferences(pulled.blobs, archive.blobs)).toEqual([]);
    },
    TIMEOUT,
  );

  containerdIt(
    'pushes the pulled image to another repository with ctr',
    async () => {
      // containerd pushes by cross-repository mount where it can, then puts the same manifest.
      await containerd.ctr([
        'images',
        'push',
        '--plain-http',
        name('e2e/ctr-pushed:v1'),
        name('e2e/containerd:v1'),
      ]);
      const raw = await workspace().skopeoInspect(ref('e2e/ctr-pushed:v1'), ['--raw']);
      expect(sha256(raw.stdout)).toBe(image.manifest.digest);
    },
    TIMEOUT,
  );
});
