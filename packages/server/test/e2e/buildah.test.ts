import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256 } from '../support/oci-client';
import { dockerRef, jsonOf, lastLine, registryHost, useClientWorkspace } from '../support/real-clients';
import { describeEachFlavor } from '../support/test-registry';

const TIMEOUT = 180_000;
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const LOCAL_IMAGE = 'localhost/e2e-buildah:latest';

// Tests run in order: the first builds and pushes the image the others pull.
describeEachFlavor('buildah: build from scratch, push, pull into fresh storage', (registry) => {
  const workspace = useClientWorkspace();
  const files = {
    '/etc/greeting': Buffer.from(`hello from buildah ${randomBytes(8).toString('hex')}\n`),
    '/data/blob.bin': randomBytes(3 * 1024 * 1024 + 5),
  };
  let imageId: string;
  let ociDigest: string;
  const ref = (tag: string) => dockerRef(registry().url, `e2e/buildah:${tag}`);
  // buildah names pulled images by host/path, without the transport.
  const pulledName = (tag: string) => `${registryHost(registry().url)}/e2e/buildah:${tag}`;

  /** Pushes the local image in a format and returns the digest buildah reports for it. */
  async function push(format: 'oci' | 'v2s2', tag: string): Promise<string> {
    const digestFile = workspace().path(`digest-${tag}`);
    await workspace().buildah('build', [
      'push',
      '--tls-verify=false',
      `--format=${format}`,
      `--digestfile=${digestFile}`,
      LOCAL_IMAGE,
      ref(tag),
    ]);
    return (await readFile(digestFile, 'utf8')).trim();
  }

  it(
    'builds an image from scratch and pushes it as OCI',
    async () => {
      const context = workspace().path('context');
      await mkdir(context);
      const container = lastLine(await workspace().buildah('build', ['from', 'scratch']));
      for (const [target, content] of Object.entries(files)) {
        const source = join(context, target.replaceAll('/', '_'));
        await writeFile(source, content);
        await workspace().buildah('build', ['copy', container, source, target]);
      }
      await workspace().buildah('build', [
        'config',
        '--cmd=["/bin/app","--serve"]',
        '--env=MODE=e2e',
        '--label=org.example.suite=berth-e2e',
        container,
      ]);
      imageId = lastLine(await workspace().buildah('build', ['commit', '--quiet', container, LOCAL_IMAGE]));
      ociDigest = await push('oci', 'latest');
      expect(ociDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    },
    TIMEOUT,
  );

  it(
    'pulls it into fresh storage with the same image ID, config and file contents',
    async () => {
      const pulledId = lastLine(
        await workspace().buildah('fresh', ['pull', '--quiet', '--tls-verify=false', ref('latest')]),
      );
      // The image ID is the config digest: equal IDs mean the config came back unchanged.
      expect(pulledId).toBe(imageId);
      const inspected = jsonOf<{
        FromImageDigest: string;
        OCIv1: { config: { Cmd: string[]; Env: string[]; Labels: Record<string, string> } };
      }>(await workspace().buildah('fresh', ['inspect', '--type=image', pulledName('latest')]));
      expect(inspected.FromImageDigest).toBe(ociDigest);
      expect(inspected.OCIv1.config.Cmd).toEqual(['/bin/app', '--serve']);
      expect(inspected.OCIv1.config.Env).toContain('MODE=e2e');
      expect(inspected.OCIv1.config.Labels).toMatchObject({ 'org.example.suite': 'berth-e2e' });

      const container = lastLine(
        await workspace().buildah('fresh', ['from', '--pull-never', pulledName('latest')]),
      );
      const root = lastLine(await workspace().buildah('fresh', ['mount', container]));
      try {
        for (const [target, content] of Object.entries(files)) {
          expect(sha256(await readFile(join(root, target)))).toBe(sha256(content));
        }
      } finally {
        await workspace().buildah('fresh', ['umount', container]);
      }
    },
    TIMEOUT,
  );

  it(
    'pushes Docker schema 2 and serves that manifest unchanged',
    async () => {
      const dockerDigest = await push('v2s2', 'docker');
      const raw = await workspace().skopeoInspect(ref('docker'), ['--raw']);
      expect(sha256(raw.stdout)).toBe(dockerDigest);
      expect(jsonOf(raw)).toMatchObject({ schemaVersion: 2, mediaType: DOCKER_MANIFEST });
      await workspace().buildah('docker-pull', ['pull', '--quiet', '--tls-verify=false', ref('docker')]);
      const digest = await workspace().buildah('docker-pull', [
        'inspect',
        '--type=image',
        '--format={{.FromImageDigest}}',
        pulledName('docker'),
      ]);
      expect(lastLine(digest)).toBe(dockerDigest);
    },
    TIMEOUT,
  );
});
