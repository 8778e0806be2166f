import type { NewManifest } from '@berth/metadata-store';
import { cliOn, POSTGRES_BACKEND } from '../support/cli-harness';
import { digestOf, pushImage } from '../support/registry-content';

const SIGNATURE = 'application/vnd.dev.cosign.artifact.sig.v1+json';

describe('repository commands on PostgreSQL', () => {
  const cli = cliOn(POSTGRES_BACKEND);
  let image: NewManifest;
  let signature: NewManifest;

  beforeAll(async () => {
    await cli.ok(['migrate']);
    await cli.metadata(async ({ store }) => {
      image = await pushImage(store, 'library/app', 'one', { tag: 'v1' });
      await store.putManifest('library/app', image, 'latest');
      await pushImage(store, 'library/app', 'two', { tag: 'v2' });
      const artifact = { subject: image.digest, artifactType: SIGNATURE };
      signature = await pushImage(store, 'library/app', 'signature', { artifact });
      // A blob alone makes a repository, one without tags.
      await store.addBlob('library/empty', { digest: digestOf('blob'), size: 4, storageKey: 'blob' });
      for (const name of ['team/b', 'team/a']) await pushImage(store, name, name, { tag: 'main' });
    });
  });

  it('lists repositories by name, all of them or the part asked for', async () => {
    expect(await cli.ok(['repo', 'ls'])).toBe('NAME\nlibrary/app\nlibrary/empty\nteam/a\nteam/b\n');
    expect(JSON.parse(await cli.ok(['repo', 'ls', '--json']))).toEqual([
      { name: 'library/app' },
      { name: 'library/empty' },
      { name: 'team/a' },
      { name: 'team/b' },
    ]);
    expect(await cli.ok(['repo', 'ls', '--limit', '2'])).toBe('NAME\nlibrary/app\nlibrary/empty\n');
    expect(await cli.ok(['repo', 'ls', '--after', 'library/empty'])).toBe('NAME\nteam/a\nteam/b\n');
    expect(await cli.ok(['repo', 'ls', '--after', 'library/empty', '--limit', '1'])).toBe('NAME\nteam/a\n');
    expect(await cli.ok(['repo', 'ls', '--after', 'zzz'])).toBe('NAME\n');
  });

  it("lists a repository's tags", async () => {
    expect(await cli.ok(['tag', 'ls', 'library/app'])).toBe('TAG\nlatest\nv1\nv2\n');
    expect(JSON.parse(await cli.ok(['tag', 'ls', 'library/app', '--json']))).toEqual([
      { name: 'latest' },
      { name: 'v1' },
      { name: 'v2' },
    ]);
    expect(await cli.ok(['tag', 'ls', 'library/empty'])).toBe('TAG\n');
  });

  it('shows a manifest by tag: what the registry knows of it, then its JSON indented', async () => {
    expect(await cli.ok(['manifest', 'inspect', 'library/app', 'v1'])).toBe(
      [
        `digest:      ${image.digest}`,
        `media type:  ${image.mediaType}`,
        `size:        ${image.payload.length} bytes`,
        '',
        JSON.stringify(JSON.parse(image.payload.toString('utf8')), null, 2),
        '',
      ].join('\n'),
    );
  });

  it('shows an artifact by digest, with its type and subject', async () => {
    const shown = await cli.ok(['manifest', 'inspect', 'library/app', signature.digest]);
    expect(shown).toMatch(new RegExp(`^digest: +${signature.digest}$`, 'm'));
    expect(shown).toMatch(new RegExp(`^artifact type: +${SIGNATURE.replace(/[.+]/g, '\\$&')}$`, 'm'));
    expect(shown).toMatch(new RegExp(`^subject: +${image.digest}$`, 'm'));
  });

  it('prints the stored bytes exactly with --raw', async () => {
    expect(await cli.ok(['manifest', 'inspect', 'library/app', 'latest', '--raw'])).toBe(
      image.payload.toString('utf8'),
    );
  });

  it('reports what it cannot find or read on stderr, exiting non-zero', async () => {
    const unknownDigest = digestOf('nothing');
    const cases: [argv: string[], code: number, stderr: string][] = [
      [['tag', 'ls', 'nowhere'], 1, 'error: no repository nowhere'],
      [['manifest', 'inspect', 'nowhere', 'v1'], 1, 'error: no repository nowhere'],
      [['manifest', 'inspect', 'library/app', 'v9'], 1, 'error: no tag v9 in repository library/app'],
      [
        ['manifest', 'inspect', 'library/app', unknownDigest],
        1,
        `error: no manifest ${unknownDigest} in repository library/app`,
      ],
      [['manifest', 'inspect', 'library/app', 'sha256:'], 1, 'error: malformed digest "sha256:"'],
      [
        ['manifest', 'inspect', 'library/app', 'sha256:abc'],
        1,
        'error: sha256 digest must be 64 lowercase hex digits',
      ],
      [['manifest', 'inspect', 'library/app', 'bad~tag'], 1, 'error: invalid tag "bad~tag"'],
      [['manifest', 'inspect', 'Library/App', 'v1'], 1, 'error: invalid repository name "Library/App"'],
      [['manifest', 'inspect', 'library/app'], 2, 'error: missing <tag|digest>'],
      [['repo', 'ls', '--limit', '0'], 2, 'error: --limit must be a whole number, at least 1'],
      [['repo', 'ls', '--limit', 'ten'], 2, 'error: --limit must be a whole number, at least 1'],
    ];
    for (const [argv, code, stderr] of cases) {
      expect(await cli.run(argv)).toEqual({
        code,
        stdout: '',
        stderr: expect.stringContaining(`${stderr}\n`),
      });
    }
  });
});
