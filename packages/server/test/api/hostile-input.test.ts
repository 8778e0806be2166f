import { randomBytes } from 'node:crypto';
import { ADMIN, AdminClient, authOverrides, basic, ecKeyPair, fetchToken } from '../support/access-setup';
import { sendRaw, type RawResponse } from '../support/raw-request';
import { describeEachFlavor } from '../support/test-registry';
import {
  OCI_CONFIG,
  OCI_LAYER,
  OCI_MANIFEST,
  OciClient,
  errorCodeOf,
  sha256,
  uniqueRepo,
  type TestImage,
} from '../support/oci-client';

// Valid JSON, hence valid annotations, that PostgreSQL's jsonb refuses: the escape \u0000, and
// surrogates without the other half of their pair. Beside them, text any store keeps.
const HOSTILE_ANNOTATIONS = {
  'org.example.nul': 'before\0after',
  'org.example.lone-high': '\ud800',
  'org.example.lone-low': 'x\udc00y',
  'org.example\0key': 'value',
  'org.example.plain': 'café ☕ \ud83d\ude00',
};

const ARTIFACT_TYPE = 'application/vnd.example.hostile.v1+json';
const BEYOND_2_53 = '9007199254740993';

/** The first error code of a raw response's body. */
function codeOf(res: RawResponse): string | undefined {
  return (JSON.parse(res.body) as { errors?: { code?: string }[] }).errors?.[0]?.code;
}

describeEachFlavor(
  'hostile input',
  (registry) => {
    let client: OciClient;
    const name = uniqueRepo('hostile');
    let subject: TestImage;
    let configDigest: string;
    let configSize: number;

    beforeAll(async () => {
      client = new OciClient(registry().url);
      subject = await client.pushImage(name, 'subject');
      configDigest = sha256(subject.config);
      configSize = subject.config.length;
    });

    /** An image manifest referencing the subject's config, with `extra` fields, as JSON text. */
    const manifestWith = (extra: Record<string, unknown>): Buffer =>
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: OCI_CONFIG, digest: configDigest, size: configSize },
          layers: [],
          ...extra,
        }),
      );

    const subjectDescriptor = () => ({
      mediaType: OCI_MANIFEST,
      digest: subject.digest,
      size: subject.manifest.length,
    });

    const bytesOf = async (res: Response) => Buffer.from(await res.arrayBuffer());

    describe('manifests whose annotations hold NUL or unpaired surrogates', () => {
      let payload: Buffer;

      beforeAll(() => {
        payload = manifestWith({
          artifactType: ARTIFACT_TYPE,
          subject: subjectDescriptor(),
          annotations: HOSTILE_ANNOTATIONS,
        });
      });

      it('are stored as sent and read back byte for byte, by tag and by digest', async () => {
        expect(payload.toString('latin1')).toContain('\\u0000');
        expect(payload.toString('latin1')).toContain('\\ud800');
        const put = await client.putManifest(name, 'hostile', payload);
        expect(put.status).toBe(201);
        expect(put.headers.get('docker-content-digest')).toBe(sha256(payload));
        expect(put.headers.get('oci-subject')).toBe(subject.digest);

        for (const reference of ['hostile', sha256(payload)]) {
          const res = await client.request('GET', `/v2/${name}/manifests/${reference}`);
          expect(res.status).toBe(200);
          expect(res.headers.get('docker-content-digest')).toBe(sha256(payload));
          expect((await bytesOf(res)).equals(payload)).toBe(true);
          const head = await client.request('HEAD', `/v2/${name}/manifests/${reference}`);
          expect(head.headers.get('content-length')).toBe(String(payload.length));
        }
      });

      it('are pushed by digest too', async () => {
        const byDigest = manifestWith({ annotations: { 'org.example.only': '\0\udfff' } });
        expect((await client.putManifest(name, sha256(byDigest), byDigest)).status).toBe(201);
        const res = await client.request('GET', `/v2/${name}/manifests/${sha256(byDigest)}`);
        expect((await bytesOf(res)).equals(byDigest)).toBe(true);
      });

      it('are listed as referrers with their annotations exactly as in the manifest', async () => {
        for (const query of ['', `?artifactType=${encodeURIComponent(ARTIFACT_TYPE)}`]) {
          const res = await client.request('GET', `/v2/${name}/referrers/${subject.digest}${query}`);
          expect(res.status).toBe(200);
          const text = await res.text();
          // JSON escapes, as in the manifest: a client parses them back to the same strings.
          expect(text).toContain('"before\\u0000after"');
          expect(text).toContain('"\\ud800"');
          expect(JSON.parse(text)).toEqual({
            schemaVersion: 2,
            mediaType: 'application/vnd.oci.image.index.v1+json',
            manifests: [
              {
                mediaType: OCI_MANIFEST,
                digest: sha256(payload),
                size: payload.length,
                artifactType: ARTIFACT_TYPE,
                annotations: HOSTILE_ANNOTATIONS,
              },
            ],
          });
        }
      });
    });

    describe('media types that are not media types', () => {
      const layer = () => ({ mediaType: OCI_LAYER, digest: configDigest, size: configSize });
      const cases: [string, () => Record<string, unknown>][] = [
        ['artifactType with NUL', () => ({ artifactType: 'application/x\0y' })],
        ['artifactType with an unpaired surrogate', () => ({ artifactType: 'application/\ud800' })],
        ['artifactType with parameters', () => ({ artifactType: 'text/plain; charset=utf-8' })],
        [
          'a config media type with NUL',
          () => ({ config: { mediaType: `${OCI_CONFIG}\0`, digest: configDigest, size: configSize } }),
        ],
        ['a layer media type with NUL', () => ({ layers: [{ ...layer(), mediaType: `${OCI_LAYER}\0` }] })],
        ['a subject media type with NUL', () => ({ subject: { ...subjectDescriptor(), mediaType: '\0' } })],
        ['a manifest media type with NUL', () => ({ mediaType: `${OCI_MANIFEST}\0` })],
      ];

      it.each(cases)('are refused with MANIFEST_INVALID: %s', async (_label, extra) => {
        const tag = `refused-${randomBytes(4).toString('hex')}`;
        const res = await client.putManifest(name, tag, manifestWith(extra()));
        expect(res.status).toBe(400);
        expect(await errorCodeOf(res)).toBe('MANIFEST_INVALID');
        expect((await client.request('GET', `/v2/${name}/manifests/${tag}`)).status).toBe(404);
      });

      it('say which field and why', async () => {
        const res = await client.putManifest(name, 'refused', manifestWith({ artifactType: 'a\0b' }));
        const body = (await res.json()) as { errors: { message: string }[] };
        expect(body.errors[0]?.message).toBe(
          'artifactType "a\\u0000b" is not a media type (RFC 6838 type/subtype)',
        );
      });
    });

    describe('query parameters holding NUL', () => {
      const paged = uniqueRepo('hostile-paged');
      const tags = ['a', 'a-b', 'a0', 'b'];

      beforeAll(async () => {
        const image = await client.pushImage(paged);
        for (const tag of tags)
          expect((await client.putManifest(paged, tag, image.manifest)).status).toBe(201);
      });

      const tagsAfter = async (query: string) => {
        const res = await client.request('GET', `/v2/${paged}/tags/list?${query}`);
        expect(res.status).toBe(200);
        return { tags: ((await res.json()) as { tags: string[] }).tags, link: res.headers.get('link') };
      };

      it('page tags after the part of last before the NUL, as no tag holds NUL', async () => {
        expect((await tagsAfter('last=a%00zzz')).tags).toEqual(['a-b', 'a0', 'b']);
        expect((await tagsAfter('last=a-b%00')).tags).toEqual(['a0', 'b']);
        expect((await tagsAfter('last=%00')).tags).toEqual(tags);
        expect((await tagsAfter('last=b%00')).tags).toEqual([]);
        expect(await tagsAfter('n=1&last=a%00')).toEqual({
          tags: ['a-b'],
          link: `</v2/${paged}/tags/list?n=1&last=a-b>; rel="next"`,
        });
      });

      it('page the catalog the same way', async () => {
        const all = async (query: string) => {
          const res = await client.request('GET', `/v2/_catalog${query}`);
          expect(res.status).toBe(200);
          return ((await res.json()) as { repositories: string[] }).repositories;
        };
        const everything = await all('');
        expect(everything).toContain(paged);
        expect(await all(`?last=${encodeURIComponent(paged)}%00zzz`)).toEqual(
          everything.filter((repository) => repository > paged),
        );
        expect(await all('?last=%00')).toEqual(everything);
      });

      it('filter referrers by an artifactType with NUL down to none, as no such type is stored', async () => {
        const res = await client.request(
          'GET',
          `/v2/${name}/referrers/${subject.digest}?artifactType=${encodeURIComponent(`${ARTIFACT_TYPE}\0`)}`,
        );
        expect(res.status).toBe(200);
        expect(res.headers.get('oci-filters-applied')).toBe('artifactType');
        expect(((await res.json()) as { manifests: unknown[] }).manifests).toEqual([]);
      });

      it('answer 400 with the spec code where a digest, name or tag is expected', async () => {
        const digest = configDigest;
        const cases: [string, string, string][] = [
          ['GET', `/v2/${name}/blobs/${digest}%00`, 'DIGEST_INVALID'],
          ['GET', `/v2/${name}/referrers/${digest}%00`, 'DIGEST_INVALID'],
          ['GET', `/v2/${name}%00x/tags/list`, 'NAME_INVALID'],
          ['PUT', `/v2/${name}/manifests/v%001`, 'MANIFEST_INVALID'],
          ['POST', `/v2/${name}/blobs/uploads/?mount=${digest}%00`, 'DIGEST_INVALID'],
          ['POST', `/v2/${name}/blobs/uploads/?mount=${digest}&from=${name}%00`, 'NAME_INVALID'],
          ['POST', `/v2/${name}/blobs/uploads/?digest=${digest}%00`, 'DIGEST_INVALID'],
        ];
        for (const [method, path, code] of cases) {
          const res = await client.request(method, path, method === 'PUT' ? { body: subject.manifest } : {});
          expect([method, path, res.status]).toEqual([method, path, 400]);
          expect(await errorCodeOf(res)).toBe(code);
        }
        const unknownTag = await client.request('GET', `/v2/${name}/manifests/v%001`);
        expect(unknownTag.status).toBe(404);
        expect(await errorCodeOf(unknownTag)).toBe('MANIFEST_UNKNOWN');
      });

      it('cut an n beyond any page size to the largest page', async () => {
        expect((await tagsAfter(`n=${'9'.repeat(400)}`)).tags).toEqual(tags);
        expect((await tagsAfter(`n=${BEYOND_2_53}&last=a`)).tags).toEqual(['a-b', 'a0', 'b']);
      });
    });

    describe('sizes and offsets beyond 2^53', () => {
      /** Starts an upload and returns its path. */
      const startUpload = async (): Promise<string> => {
        const res = await client.request('POST', `/v2/${name}/blobs/uploads/`);
        expect(res.status).toBe(202);
        return res.headers.get('location') as string;
      };

      const send = (method: string, path: string, headers: string[], body = '') =>
        sendRaw(
          registry().url,
          [`${method} ${path} HTTP/1.1`, 'Host: registry', 'Connection: close', ...headers],
          body,
        );

      const chunked = (text: string) => `${text.length.toString(16)}\r\n${text}\r\n0\r\n\r\n`;

      /** The upload still holds nothing and takes chunks. */
      const expectUntouched = async (upload: string) => {
        const status = await client.request('GET', upload);
        expect(status.status).toBe(204);
        expect(status.headers.get('range')).toBe('0-0');
      };

      it.each([
        '0-73786976294838206464',
        `0-${Number.MAX_SAFE_INTEGER}`,
        `${BEYOND_2_53}-${BEYOND_2_53}`,
        'bytes 0-99999999999999999999/*',
      ])('refuse Content-Range %s on a chunked PATCH with BLOB_UPLOAD_INVALID', async (range) => {
        const upload = await startUpload();
        const res = await send(
          'PATCH',
          upload,
          [`Content-Range: ${range}`, 'Content-Type: application/octet-stream', 'Transfer-Encoding: chunked'],
          chunked('hello'),
        );
        expect(res.status).toBe(400);
        expect(codeOf(res)).toBe('BLOB_UPLOAD_INVALID');
        await expectUntouched(upload);
      });

      it.each([
        ['ends short of a Content-Range just below 2^53', `0-${Number.MAX_SAFE_INTEGER - 1}`],
        ['ends short of its Content-Range', '0-99'],
        ['runs past its Content-Range', '0-2'],
      ])('refuse a chunked body that %s with SIZE_INVALID', async (_label, range) => {
        const upload = await startUpload();
        const res = await send(
          'PATCH',
          upload,
          [`Content-Range: ${range}`, 'Transfer-Encoding: chunked'],
          chunked('hello'),
        );
        expect(res.status).toBe(400);
        expect(codeOf(res)).toBe('SIZE_INVALID');
        await expectUntouched(upload);
      });

      it('refuse a Content-Length beyond 2^53 with SIZE_INVALID, without waiting for the body', async () => {
        const digest = sha256('hello');
        const requests: [string, string][] = [
          ['PATCH', await startUpload()],
          ['PUT', `${await startUpload()}?digest=${digest}`],
          ['POST', `/v2/${name}/blobs/uploads/?digest=${digest}`],
        ];
        for (const [method, path] of requests) {
          const res = await send(method, path, [`Content-Length: ${BEYOND_2_53}`], 'hello');
          expect([method, res.status, codeOf(res)]).toEqual([method, 400, 'SIZE_INVALID']);
        }
        // Beyond 2^64 Node's parser refuses it before any handler runs.
        const res = await send(
          'PATCH',
          await startUpload(),
          ['Content-Length: 99999999999999999999'],
          'hello',
        );
        expect(res.status).toBe(400);
      });

      it('leave the manifest size limit to answer a manifest Content-Length beyond 2^53', async () => {
        const res = await send(
          'PUT',
          `/v2/${name}/manifests/huge`,
          [`Content-Length: ${BEYOND_2_53}`, `Content-Type: ${OCI_MANIFEST}`],
          '{}',
        );
        expect(res.status).toBe(413);
        expect(codeOf(res)).toBe('MANIFEST_INVALID');
      });

      it('serve a blob Range ending past 2^53 as the rest of the blob (RFC 9110), and refuse one starting there', async () => {
        const blob = `/v2/${name}/blobs/${configDigest}`;
        const rest = await client.request('GET', blob, {
          headers: { Range: 'bytes=0-99999999999999999999' },
        });
        expect(rest.status).toBe(206);
        expect(rest.headers.get('content-range')).toBe(`bytes 0-${configSize - 1}/${configSize}`);
        expect((await bytesOf(rest)).equals(subject.config)).toBe(true);
        for (const range of ['bytes=99999999999999999999-', `bytes=${BEYOND_2_53}-${BEYOND_2_53}`]) {
          const res = await client.request('GET', blob, { headers: { Range: range } });
          expect(res.status).toBe(416);
          expect(res.headers.get('content-range')).toBe(`bytes */${configSize}`);
          expect(await errorCodeOf(res)).toBe('RANGE_INVALID');
        }
      });
    });
  },
  // Pulls stream through the process on both flavors, so that it, not S3, answers every Range.
  { blobs: { redirect: false } },
);

describeEachFlavor(
  'hostile input with auth on',
  (registry) => {
    let admin: AdminClient;

    beforeAll(async () => {
      admin = new AdminClient(registry().url);
      await admin.createNamespace('hostile-team');
    });

    // No account, namespace or repository name holds NUL, so the store refuses to look one up.
    it('refuses credentials whose username holds NUL with REQUEST_INVALID', async () => {
      const res = await fetch(new URL('/v2/', registry().url), {
        headers: { Authorization: basic('ad\0min', ADMIN.password) },
      });
      expect(res.status).toBe(400);
      expect(await errorCodeOf(res)).toBe('REQUEST_INVALID');
      expect((await fetchToken(registry().url, [], { ...ADMIN, username: '\0' })).status).toBe(400);
    });

    it('refuses a token scope whose namespace holds NUL with REQUEST_INVALID', async () => {
      const user = { username: 'hostile-user', password: 'hostile-password-1' };
      await admin.createUser(user.username, user.password);
      const refused = await fetchToken(registry().url, ['repository:hostile\0team/app:pull'], user);
      expect(refused.status).toBe(400);
      expect(await errorCodeOf(refused)).toBe('REQUEST_INVALID');
      expect((await fetchToken(registry().url, ['repository:hostile-team/app:pull'], user)).status).toBe(200);
    });

    it('answers the admin API with REQUEST_INVALID for names and text holding NUL', async () => {
      await admin.expectError(400, 'REQUEST_INVALID', 'GET', '/users/a%00b');
      await admin.expectError(400, 'REQUEST_INVALID', 'GET', '/namespaces/hostile-team%00');
      await admin.expectError(400, 'REQUEST_INVALID', 'POST', '/namespaces/hostile-team/robots', {
        name: 'bot',
        actions: ['pull'],
        description: 'before\0after',
      });
      expect(await admin.expect(200, 'GET', '/namespaces/hostile-team/robots')).toEqual({ robots: [] });
    });

    it('pages the admin API after the part of last before its NUL', async () => {
      const names = async (query: string) =>
        (
          (await admin.expect(200, 'GET', `/namespaces${query}`)) as { namespaces: { name: string }[] }
        ).namespaces.map((namespace) => namespace.name);
      expect(await names('?last=hostile%00')).toEqual(['hostile-team']);
      expect(await names('?last=hostile-team%00')).toEqual([]);
    });
  },
  authOverrides(ecKeyPair().privatePem),
);
