import { sign } from 'jsonwebtoken';
import { errorCodeOf, OciClient, randomBlob, sha256 } from '../support/oci-client';
import {
  AdminClient,
  authOverrides,
  basic,
  claimsOf,
  ecKeyPair,
  fetchToken,
  ISSUER,
  SERVICE,
  tokenFor,
} from '../support/access-setup';
import { describeEachFlavor } from '../support/test-registry';

const signing = ecKeyPair();
const retired = ecKeyPair();
const stranger = ecKeyPair();
const sso = ecKeyPair();
const SSO = 'https://sso.example.com';
const ALICE = { username: 'alice', password: 'alice-password-1' };
const BOB = { username: 'bob', password: 'bob-password-12' };
const CAROL = { username: 'carol', password: 'carol-password-1' };

/** Signs claims as a token issuer would, so tests can forge every kind of bad token. */
function forge(privatePem: string, claims: Record<string, unknown>, kid = 'current') {
  return sign(
    {
      iss: ISSUER,
      aud: SERVICE,
      sub: 'alice',
      token_use: 'access',
      access: [{ type: 'repository', name: 'team-a/app', actions: ['pull', 'push'] }],
      ...claims,
    },
    privatePem,
    { algorithm: 'ES256', keyid: kid, ...('exp' in claims ? {} : { expiresIn: 300 }) },
  );
}

describeEachFlavor(
  'token authentication',
  (registry) => {
    let admin: AdminClient;
    let robot: { account: string; secret: string };
    const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
    const client = () => new OciClient(registry().url);

    beforeAll(async () => {
      admin = new AdminClient(registry().url);
      for (const user of [ALICE, BOB, CAROL]) await admin.createUser(user.username, user.password);
      await admin.createNamespace('team-a');
      await admin.createNamespace('team-b');
      await admin.createNamespace('library', true);
      await admin.setMember('team-a', 'alice', 'writer');
      await admin.setMember('team-a', 'bob', 'reader');
      await admin.setMember('team-b', 'carol', 'writer');
      await admin.setMember('library', 'alice', 'maintainer');
      robot = await admin.createRobot('team-a', 'ci', ['push']);
      // Content to read: an image in each namespace, pushed with Basic credentials.
      const asAlice = { Authorization: basic(ALICE.username, ALICE.password) };
      for (const name of ['team-a/app', 'library/base']) {
        await pushWithHeaders(client(), name, asAlice);
      }
      await pushWithHeaders(client(), 'team-b/secret', {
        Authorization: basic(CAROL.username, CAROL.password),
      });
    });

    it('challenges anonymous requests with a Bearer realm, service and scope', async () => {
      const root = await client().request('GET', '/v2/');
      expect(root.status).toBe(401);
      expect(await errorCodeOf(root)).toBe('UNAUTHORIZED');
      const challenge = root.headers.get('www-authenticate') ?? '';
      expect(challenge).toBe(`Bearer realm="${registry().url}/auth/token",service="${SERVICE}"`);
      const manifest = await client().request('GET', '/v2/team-a/app/manifests/latest');
      expect(manifest.status).toBe(401);
      expect(manifest.headers.get('www-authenticate')).toContain('scope="repository:team-a/app:pull"');
      const push = await client().request('POST', '/v2/team-a/app/blobs/uploads/');
      expect(push.headers.get('www-authenticate')).toContain('scope="repository:team-a/app:pull,push"');
    });

    it('issues a signed token holding only what was asked for and may be had', async () => {
      const res = await fetchToken(
        registry().url,
        ['repository:team-a/app:pull,push', 'repository:team-b/secret:pull'],
        ALICE,
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const body = (await res.json()) as {
        token: string;
        access_token: string;
        expires_in: number;
        issued_at: string;
      };
      expect(body.access_token).toBe(body.token);
      expect(body.expires_in).toBe(300);
      const header = JSON.parse(Buffer.from(body.token.split('.')[0]!, 'base64url').toString()) as Record<
        string,
        unknown
      >;
      expect(header).toMatchObject({ alg: 'ES256', kid: 'current' });
      expect(claimsOf(body.token)).toMatchObject({
        iss: ISSUER,
        aud: SERVICE,
        sub: 'alice',
        access: [{ type: 'repository', name: 'team-a/app', actions: ['pull', 'push'] }],
      });
    });

    it('does not escalate: a reader asking for push gets pull only', async () => {
      const token = await tokenFor(registry().url, ['repository:team-a/app:pull,push,delete'], BOB);
      expect(claimsOf(token).access).toEqual([{ type: 'repository', name: 'team-a/app', actions: ['pull'] }]);
      const pull = await client().request('GET', '/v2/team-a/app/manifests/latest', {
        headers: bearer(token),
      });
      expect(pull.status).toBe(200);
      const push = await client().request('POST', '/v2/team-a/app/blobs/uploads/', {
        headers: bearer(token),
      });
      expect(push.status).toBe(401);
      expect(push.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
      const direct = await client().request('POST', '/v2/team-a/app/blobs/uploads/', {
        headers: { Authorization: basic(BOB.username, BOB.password) },
      });
      expect(direct.status).toBe(403);
      expect(await errorCodeOf(direct)).toBe('DENIED');
    });

    it('pushes and pulls with a token, and with Basic credentials directly', async () => {
      const token = await tokenFor(registry().url, ['repository:team-a/tool:pull,push'], ALICE);
      const digest = await pushWithHeaders(client(), 'team-a/tool', bearer(token));
      const byToken = await client().request('GET', `/v2/team-a/tool/manifests/${digest}`, {
        headers: bearer(token),
      });
      expect(byToken.status).toBe(200);
      const root = await client().request('GET', '/v2/', {
        headers: { Authorization: basic(ALICE.username, ALICE.password) },
      });
      expect(root.status).toBe(200);
    });

    it('keeps one namespace out of another: no read, no mount, not in the catalog', async () => {
      const asCarol = { Authorization: basic(CAROL.username, CAROL.password) };
      const read = await client().request('GET', '/v2/team-a/app/tags/list', { headers: asCarol });
      expect(read.status).toBe(403);
      const token = await tokenFor(registry().url, ['repository:team-a/app:pull'], CAROL);
      expect(claimsOf(token).access).toEqual([]);
      const layer = randomBlob(512);
      const layerDigest = await client()
        .pushBlob('team-a/app', layer)
        .catch(() => undefined);
      expect(layerDigest).toBeUndefined();
      // Mounting a blob carol knows the digest of, from a repository she may not read.
      const alicesLayer = await pushBlobWithHeaders(client(), 'team-a/app', randomBlob(300), {
        Authorization: basic(ALICE.username, ALICE.password),
      });
      const mount = await client().request(
        'POST',
        `/v2/team-b/stolen/blobs/uploads/?mount=${alicesLayer}&from=team-a/app`,
        { headers: asCarol },
      );
      expect(mount.status).toBe(202);
      const automatic = await client().request(
        'POST',
        `/v2/team-b/stolen/blobs/uploads/?mount=${alicesLayer}`,
        {
          headers: asCarol,
        },
      );
      expect(automatic.status).toBe(202);
      const blob = await client().request('HEAD', `/v2/team-b/stolen/blobs/${alicesLayer}`, {
        headers: asCarol,
      });
      expect(blob.status).toBe(404);
      const catalog = await client().request('GET', '/v2/_catalog', { headers: asCarol });
      const repositories = ((await catalog.json()) as { repositories: string[] }).repositories;
      expect(repositories).toContain('team-b/secret');
      expect(repositories).toContain('library/base');
      expect(repositories.filter((name) => name.startsWith('team-a/'))).toEqual([]);
    });

    it('mounts across repositories when the caller may pull the source', async () => {
      const asAlice = { Authorization: basic(ALICE.username, ALICE.password) };
      const digest = await pushBlobWithHeaders(client(), 'team-a/app', randomBlob(200), asAlice);
      const mount = await client().request(
        'POST',
        `/v2/team-a/other/blobs/uploads/?mount=${digest}&from=team-a/app`,
        {
          headers: asAlice,
        },
      );
      expect(mount.status).toBe(201);
    });

    it('lets anyone pull a public namespace without credentials, but not push to it', async () => {
      const manifest = await client().request('GET', '/v2/library/base/manifests/latest');
      expect(manifest.status).toBe(200);
      const token = await tokenFor(registry().url, ['repository:library/base:pull,push']);
      expect(claimsOf(token)).toMatchObject({
        sub: '',
        access: [{ name: 'library/base', actions: ['pull'] }],
      });
      const push = await client().request('POST', '/v2/library/base/blobs/uploads/');
      expect(push.status).toBe(401);
      const catalog = await client().request('GET', '/v2/_catalog');
      expect(catalog.status).toBe(401);
    });

    it('lets a robot push within its namespace and scope only', async () => {
      const creds = { username: robot.account, password: robot.secret };
      expect(robot.account).toBe('team-a+ci');
      const token = await tokenFor(registry().url, ['repository:team-a/built:pull,push,delete'], creds);
      expect(claimsOf(token).access).toEqual([
        { type: 'repository', name: 'team-a/built', actions: ['pull', 'push'] },
      ]);
      await pushWithHeaders(client(), 'team-a/built', bearer(token));
      const elsewhere = await tokenFor(registry().url, ['repository:team-b/secret:pull'], creds);
      expect(claimsOf(elsewhere).access).toEqual([]);
    });

    it('refuses wrong passwords and revoked robots', async () => {
      const wrong = await fetchToken(registry().url, [], { username: 'alice', password: 'not-her-password' });
      expect(wrong.status).toBe(401);
      expect(await errorCodeOf(wrong)).toBe('UNAUTHORIZED');
      const unknown = await fetchToken(registry().url, [], {
        username: 'nobody',
        password: 'whatever-it-is',
      });
      expect(unknown.status).toBe(401);
      const doomed = await admin.createRobot('team-a', 'doomed', ['pull']);
      const creds = { username: doomed.account, password: doomed.secret };
      expect((await fetchToken(registry().url, [], creds)).status).toBe(200);
      await admin.expect(204, 'POST', '/namespaces/team-a/robots/doomed/revoke');
      expect((await fetchToken(registry().url, [], creds)).status).toBe(401);
    });

    it('refuses forged, tampered, expired and misaddressed tokens', async () => {
      const path = '/v2/team-a/app/manifests/latest';
      const status = async (token: string) =>
        (await client().request('GET', path, { headers: bearer(token) })).status;
      expect(await status(forge(signing.privatePem, {}))).toBe(200);
      const valid = forge(signing.privatePem, {});
      const [head, , signature] = valid.split('.');
      const escalated = Buffer.from(
        JSON.stringify({
          ...claimsOf(valid),
          access: [{ type: 'repository', name: 'team-b/secret', actions: ['pull'] }],
        }),
      ).toString('base64url');
      const refused = {
        expired: forge(signing.privatePem, { exp: Math.floor(Date.now() / 1000) - 120 }),
        'wrong signature': forge(stranger.privatePem, {}),
        'wrong audience': forge(signing.privatePem, { aud: 'another-registry' }),
        'wrong issuer': forge(signing.privatePem, { iss: 'someone-else' }),
        'unknown kid': forge(signing.privatePem, {}, 'no-such-key'),
        tampered: `${head}.${escalated}.${signature}`,
        'alg none': `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT', kid: 'current' })).toString('base64url')}.${escalated}.`,
        'not a jwt': 'abc.def',
      };
      for (const [what, token] of Object.entries(refused)) {
        const res = await client().request('GET', path, { headers: bearer(token) });
        expect([what, res.status]).toEqual([what, 401]);
        expect(await errorCodeOf(res)).toBe('UNAUTHORIZED');
        expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
      }
    });

    it('accepts tokens of a retired key still listed for verification, until they expire', async () => {
      const path = '/v2/team-a/app/manifests/latest';
      const old = forge(retired.privatePem, {}, 'retired');
      expect((await client().request('GET', path, { headers: bearer(old) })).status).toBe(200);
      const expired = forge(retired.privatePem, { exp: Math.floor(Date.now() / 1000) - 120 }, 'retired');
      expect((await client().request('GET', path, { headers: bearer(expired) })).status).toBe(401);
      const jwks = (await (await fetch(`${registry().url}/auth/jwks`)).json()) as { keys: { kid: string }[] };
      expect(jwks.keys.map((key) => key.kid).sort()).toEqual(['current', 'retired']);
    });

    it('trusts tokens of a configured external issuer for exactly what they grant', async () => {
      const external = (claims: Record<string, unknown>, key = sso.privatePem) =>
        forge(
          key,
          { iss: SSO, aud: 'registry.example.com', sub: 'deploy-bot', token_use: undefined, ...claims },
          'sso-1',
        );
      const read = (token: string, name = 'team-a/app') =>
        client().request('GET', `/v2/${name}/manifests/latest`, { headers: bearer(token) });
      expect((await read(external({}))).status).toBe(200);
      expect((await read(external({}), 'team-b/secret')).status).toBe(401);
      expect((await read(external({ aud: SERVICE }))).status).toBe(401);
      expect((await read(external({}, stranger.privatePem))).status).toBe(401);
    });

    it('speaks the OAuth2 form: password grant with a refresh token, then the refresh grant', async () => {
      const form = (fields: Record<string, string>) =>
        fetch(`${registry().url}/auth/token`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ service: SERVICE, client_id: 'test', ...fields }).toString(),
        });
      const first = await form({
        grant_type: 'password',
        username: ALICE.username,
        password: ALICE.password,
        access_type: 'offline',
        scope: 'repository:team-a/app:pull',
      });
      expect(first.status).toBe(200);
      const granted = (await first.json()) as { access_token: string; refresh_token: string; scope: string };
      expect(granted.scope).toBe('repository:team-a/app:pull');
      expect(claimsOf(granted.refresh_token).sub).toBe('alice');
      // A refresh token is not an access token.
      const misuse = await client().request('GET', '/v2/team-a/app/manifests/latest', {
        headers: bearer(granted.refresh_token),
      });
      expect(misuse.status).toBe(401);
      const refreshed = await form({
        grant_type: 'refresh_token',
        refresh_token: granted.refresh_token,
        scope: 'repository:team-a/app:pull,push',
      });
      expect(refreshed.status).toBe(200);
      const again = (await refreshed.json()) as { access_token: string };
      expect(claimsOf(again.access_token).access).toEqual([
        { type: 'repository', name: 'team-a/app', actions: ['pull', 'push'] },
      ]);
      const bad = await form({ grant_type: 'password', username: 'alice', password: 'wrong-password' });
      expect(bad.status).toBe(401);
      const unsupported = await form({ grant_type: 'client_credentials' });
      expect(unsupported.status).toBe(401);
      const access = await client().request('GET', '/v2/team-a/app/manifests/latest', {
        headers: bearer(granted.access_token),
      });
      expect(access.status).toBe(200);
    });
  },
  authOverrides(signing.privatePem, {
    verificationKeys: [{ pem: retired.publicPem, kid: 'retired' }],
    externalIssuers: [
      { issuer: SSO, audience: 'registry.example.com', keys: [{ pem: sso.publicPem, kid: 'sso-1' }] },
    ],
  }),
);

async function pushBlobWithHeaders(
  client: OciClient,
  name: string,
  data: Buffer,
  headers: Record<string, string>,
) {
  const digest = sha256(data);
  const res = await client.request('POST', `/v2/${name}/blobs/uploads/?digest=${digest}`, {
    headers: { ...headers, 'Content-Type': 'application/octet-stream' },
    body: data,
  });
  if (res.status !== 201) throw new Error(`blob push to ${name} failed: ${res.status} ${await res.text()}`);
  return digest;
}

/** Pushes a one-layer image tagged latest; returns the manifest digest. */
async function pushWithHeaders(client: OciClient, name: string, headers: Record<string, string>) {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', name }));
  const layer = randomBlob(1000);
  await pushBlobWithHeaders(client, name, config, headers);
  await pushBlobWithHeaders(client, name, layer, headers);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: sha256(config),
      size: config.length,
    },
    layers: [
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length },
    ],
  });
  const res = await client.request('PUT', `/v2/${name}/manifests/latest`, {
    headers: { ...headers, 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' },
    body: manifest,
  });
  if (res.status !== 201)
    throw new Error(`manifest push to ${name} failed: ${res.status} ${await res.text()}`);
  return sha256(manifest);
}
