import { setTimeout as sleep } from 'node:timers/promises';
import { errorCodeOf } from '../support/oci-client';
import {
  ADMIN,
  AdminClient,
  authOverrides,
  basic,
  claimsOf,
  ecKeyPair,
  loginStatus,
  tokenFor,
} from '../support/access-setup';
import { describeEachFlavor } from '../support/test-registry';

const signing = ecKeyPair();

/** What would betray a stored credential: the hash fields, under any spelling, or a hash itself. */
const HASH_MARKERS = ['secretHash', 'passwordHash', 'secret_hash', 'password_hash', 'scrypt$'];

function hashMarkersIn(text: string): string[] {
  return HASH_MARKERS.filter((marker) => text.includes(marker));
}

/** An admin client that fails the test on any response showing a password or secret hash. */
class AuditedAdminClient extends AdminClient {
  override async send(method: string, path: string, rawBody?: string): Promise<Response> {
    const res = await super.send(method, path, rawBody);
    const text = await res.clone().text();
    if (hashMarkersIn(text).length > 0) throw new Error(`${method} ${path} shows a hash: ${text}`);
    return res;
  }
}

const passwordOf = (name: string) => `${name}-password-1`;
const credentialsOf = (name: string, password = passwordOf(name)) => ({ username: name, password });

interface RobotBody {
  account: string;
  name: string;
  namespace: string;
  revokedAt?: string;
  expiresAt?: string;
}

describeEachFlavor(
  'admin API',
  (registry) => {
    let admin: AuditedAdminClient;
    const as = (name: string, password = passwordOf(name)) =>
      new AuditedAdminClient(registry().url, credentialsOf(name, password));
    const login = (name: string, password = passwordOf(name)) =>
      loginStatus(registry().url, credentialsOf(name, password));
    const users = async (...names: string[]) => {
      for (const name of names) await admin.createUser(name, passwordOf(name));
    };
    const names = (list: unknown, key: 'users' | 'namespaces' | 'robots' | 'members') =>
      (list as Record<string, { name?: string; user?: string }[]>)[key]!.map(
        (item) => item.name ?? item.user,
      );
    /** Anonymous read of a repository in the namespace: 401 when private, through to 404 when public. */
    const anonymousReadStatus = async (namespace: string) =>
      (await fetch(new URL(`/v2/${namespace}/app/tags/list`, registry().url))).status;

    beforeAll(() => {
      admin = new AuditedAdminClient(registry().url);
    });

    describe('users', () => {
      it('creates a user (201) who can log in; refuses duplicates (409) and bad names or passwords (400)', async () => {
        const created = await admin.createUser('dora', passwordOf('dora'));
        expect(created).toMatchObject({ name: 'dora', globalAdmin: false, memberships: [] });
        expect(await login('dora')).toBe(200);
        await admin.expectError(409, 'ACCOUNT_EXISTS', 'POST', '/users', {
          name: 'dora',
          password: 'another-password',
        });
        expect(await login('dora')).toBe(200);
        for (const name of ['Dora', 'dora+bot', 'do ra', 'do:ra', '', '-dora', 7]) {
          await admin.expectError(400, 'REQUEST_INVALID', 'POST', '/users', {
            name,
            password: 'long-password',
          });
        }
        for (const password of ['short-pw1', undefined, 123456789012345]) {
          await admin.expectError(400, 'REQUEST_INVALID', 'POST', '/users', { name: 'edna', password });
        }
        await admin.expectError(400, 'REQUEST_INVALID', 'POST', '/users', {
          name: 'edna',
          password: passwordOf('edna'),
          globalAdmin: 'yes',
        });
        await admin.expectError(404, 'ACCOUNT_UNKNOWN', 'GET', '/users/edna');
      });

      it('shows a user with their memberships; 404 ACCOUNT_UNKNOWN for no such user', async () => {
        await users('greta');
        await admin.createNamespace('greta-ns');
        await admin.setMember('greta-ns', 'greta', 'reader');
        const shown = (await admin.expect(200, 'GET', '/users/greta')) as { createdAt: string };
        expect(shown).toMatchObject({
          name: 'greta',
          globalAdmin: false,
          memberships: [{ namespace: 'greta-ns', user: 'greta', role: 'reader' }],
        });
        expect(Number.isNaN(Date.parse(shown.createdAt))).toBe(false);
        await admin.expectError(404, 'ACCOUNT_UNKNOWN', 'GET', '/users/nobody');
      });

      it('lists users in name order, n at a time after last', async () => {
        await users('page-c', 'page-a', 'page-b');
        const all = names(await admin.expect(200, 'GET', '/users'), 'users');
        expect(all).toEqual([...all].sort());
        expect(all).toEqual(expect.arrayContaining(['admin', 'page-a', 'page-b', 'page-c']));
        expect(names(await admin.expect(200, 'GET', '/users?n=2&last=page-'), 'users')).toEqual([
          'page-a',
          'page-b',
        ]);
        const next = names(await admin.expect(200, 'GET', '/users?n=2&last=page-b'), 'users');
        expect(next[0]).toBe('page-c');
        expect(next).toHaveLength(Math.min(2, all.length - all.indexOf('page-c')));
        await admin.expectError(400, 'PAGINATION_NUMBER_INVALID', 'GET', '/users?n=two');
      });

      it('changes a password: the old one stops working, the new one works', async () => {
        await users('hugo');
        await admin.expect(204, 'PATCH', '/users/hugo', { password: 'hugo-new-password' });
        expect(await login('hugo')).toBe(401);
        expect(await login('hugo', 'hugo-new-password')).toBe(200);
        await admin.expectError(400, 'REQUEST_INVALID', 'PATCH', '/users/hugo', { password: 'short' });
        expect(await login('hugo', 'hugo-new-password')).toBe(200);
        await admin.expectError(404, 'ACCOUNT_UNKNOWN', 'PATCH', '/users/nobody', {
          password: 'whatever-password',
        });
      });

      it('grants and withdraws global admin rights', async () => {
        await users('ivan');
        await as('ivan').expectError(403, 'DENIED', 'GET', '/users');
        await admin.expect(204, 'PATCH', '/users/ivan', { globalAdmin: true });
        expect(await admin.expect(200, 'GET', '/users/ivan')).toMatchObject({ globalAdmin: true });
        await as('ivan').expect(200, 'GET', '/users');
        await admin.expect(204, 'PATCH', '/users/ivan', { globalAdmin: false });
        await as('ivan').expectError(403, 'DENIED', 'GET', '/users');
        await admin.expectError(400, 'REQUEST_INVALID', 'PATCH', '/users/ivan', { globalAdmin: 1 });
      });

      it('deletes a user, who can no longer log in; refuses to delete oneself', async () => {
        await users('jane');
        await admin.expect(204, 'DELETE', '/users/jane');
        await admin.expectError(404, 'ACCOUNT_UNKNOWN', 'GET', '/users/jane');
        expect(await login('jane')).toBe(401);
        await admin.expectError(404, 'ACCOUNT_UNKNOWN', 'DELETE', '/users/jane');
        await admin.expectError(400, 'REQUEST_INVALID', 'DELETE', `/users/${ADMIN.username}`);
        expect(await login(ADMIN.username, ADMIN.password)).toBe(200);
      });

      it('lets a user change their own password, and nothing about anyone else', async () => {
        await users('kim', 'lee');
        await as('kim').expect(204, 'PATCH', '/users/kim', { password: 'kims-new-password' });
        expect(await login('kim')).toBe(401);
        const kim = as('kim', 'kims-new-password');
        await kim.expectError(403, 'DENIED', 'PATCH', '/users/lee', { password: 'taken-over-lee' });
        expect(await login('lee')).toBe(200);
        expect(await login('lee', 'taken-over-lee')).toBe(401);
        await kim.expectError(403, 'DENIED', 'PATCH', '/users/kim', { globalAdmin: true });
        expect(await kim.expect(200, 'GET', '/users/kim')).toMatchObject({ name: 'kim', globalAdmin: false });
        await kim.expectError(403, 'DENIED', 'GET', '/users/lee');
        await kim.expectError(403, 'DENIED', 'GET', '/users');
        await kim.expectError(403, 'DENIED', 'POST', '/users', {
          name: 'mallory',
          password: passwordOf('m'),
        });
        await kim.expectError(403, 'DENIED', 'DELETE', '/users/lee');
        expect(await login('lee')).toBe(200);
      });
    });

    describe('authentication', () => {
      it('asks for HTTP Basic: no credentials, a bearer token or a wrong password get 401 and a Basic challenge', async () => {
        const adminToken = await tokenFor(registry().url, [], ADMIN);
        const attempts: Record<string, Record<string, string>> = {
          'no credentials': {},
          'a bearer token': { Authorization: `Bearer ${adminToken}` },
          'a wrong password': { Authorization: basic(ADMIN.username, 'not-the-password') },
          'malformed Basic': { Authorization: 'Basic !!!' },
        };
        for (const [what, headers] of Object.entries(attempts)) {
          const res = await fetch(new URL('/admin/v1/users', registry().url), { headers });
          expect([what, res.status]).toEqual([what, 401]);
          expect(await errorCodeOf(res)).toBe('UNAUTHORIZED');
          expect([what, res.headers.get('www-authenticate')]).toEqual([
            what,
            expect.stringMatching(/^Basic realm="[^"]+"/),
          ]);
        }
      });

      it('refuses robots everywhere in the admin API (403 DENIED), even in their own namespace', async () => {
        await admin.createNamespace('robo-ns');
        const robot = await admin.createRobot('robo-ns', 'bot', ['pull', 'push', 'delete']);
        const asRobot = as(robot.account, robot.secret);
        expect(await login(robot.account, robot.secret)).toBe(200);
        await asRobot.expectError(403, 'DENIED', 'GET', '/namespaces');
        await asRobot.expectError(403, 'DENIED', 'GET', '/namespaces/robo-ns');
        await asRobot.expectError(403, 'DENIED', 'GET', '/namespaces/robo-ns/robots');
        await asRobot.expectError(403, 'DENIED', 'POST', '/namespaces/robo-ns/robots', {
          name: 'spawn',
          actions: ['pull'],
        });
        await asRobot.expectError(403, 'DENIED', 'POST', '/namespaces/robo-ns/robots/bot/revoke');
        await asRobot.expectError(403, 'DENIED', 'GET', `/users/${robot.account}`);
        await asRobot.expectError(403, 'DENIED', 'PATCH', `/users/${robot.account}`, {
          password: 'new-robot-password',
        });
        expect(names(await admin.expect(200, 'GET', '/namespaces/robo-ns/robots'), 'robots')).toEqual([
          'bot',
        ]);
      });
    });

    describe('namespaces', () => {
      it('creates namespaces, private by default or public; refuses duplicates (409) and bad input (400)', async () => {
        expect(await admin.createNamespace('ns-private')).toMatchObject({
          name: 'ns-private',
          public: false,
        });
        expect(await admin.createNamespace('ns-public', true)).toMatchObject({
          name: 'ns-public',
          public: true,
        });
        expect(await anonymousReadStatus('ns-private')).toBe(401);
        expect(await anonymousReadStatus('ns-public')).toBe(404);
        await admin.expectError(409, 'ACCOUNT_EXISTS', 'POST', '/namespaces', { name: 'ns-public' });
        for (const name of ['NS-Upper', 'ns//double', '/leading', 42]) {
          await admin.expectError(400, 'REQUEST_INVALID', 'POST', '/namespaces', { name });
        }
        await admin.expectError(400, 'REQUEST_INVALID', 'POST', '/namespaces', {
          name: 'ns-x',
          public: 'no',
        });
        await admin.expectError(404, 'ACCOUNT_UNKNOWN', 'GET', '/namespaces/ns-x');
      });

      it('lists every namespace to a global admin, and to a member only theirs', async () => {
        await users('mona');
        for (const name of ['list-a', 'list-b', 'list-c']) await admin.createNamespace(name);
        await admin.setMember('list-a', 'mona', 'reader');
        await admin.setMember('list-c', 'mona', 'writer');
        const all = names(await admin.expect(200, 'GET', '/namespaces'), 'namespaces');
        expect(all).toEqual(expect.arrayContaining(['list-a', 'list-b', 'list-c', 'greta-ns']));
        expect(all).toEqual([...all].sort());
        expect(names(await admin.expect(200, 'GET', '/namespaces?n=2&last=list-'), 'namespaces')).toEqual([
          'list-a',
          'list-b',
        ]);
        const mona = as('mona');
        expect(names(await mona.expect(200, 'GET', '/namespaces'), 'namespaces')).toEqual([
          'list-a',
          'list-c',
        ]);
        expect(names(await mona.expect(200, 'GET', '/namespaces?n=1'), 'namespaces')).toEqual(['list-a']);
        expect(names(await mona.expect(200, 'GET', '/namespaces?last=list-a'), 'namespaces')).toEqual([
          'list-c',
        ]);
        expect(names(await mona.expect(200, 'GET', '/namespaces?n=0'), 'namespaces')).toEqual([]);
      });

      it('shows a namespace to its members; others get 403 DENIED', async () => {
        await users('nils');
        await admin.createNamespace('nils-ns');
        await admin.createNamespace('not-nils-ns');
        await admin.setMember('nils-ns', 'nils', 'reader');
        expect(await as('nils').expect(200, 'GET', '/namespaces/nils-ns')).toMatchObject({
          name: 'nils-ns',
          public: false,
        });
        await as('nils').expectError(403, 'DENIED', 'GET', '/namespaces/not-nils-ns');
        await admin.expectError(404, 'ACCOUNT_UNKNOWN', 'GET', '/namespaces/no-such-ns');
      });

      it('lets a namespace admin make their namespace public, and no one else', async () => {
        await users('nora', 'olga');
        await admin.createNamespace('nora-ns');
        await admin.createNamespace('nora-other-ns');
        await admin.setMember('nora-ns', 'nora', 'admin');
        await admin.setMember('nora-ns', 'olga', 'maintainer');
        await admin.setMember('nora-other-ns', 'nora', 'writer');
        await as('olga').expectError(403, 'DENIED', 'PATCH', '/namespaces/nora-ns', { public: true });
        await as('nora').expectError(403, 'DENIED', 'PATCH', '/namespaces/nora-other-ns', { public: true });
        expect(await anonymousReadStatus('nora-ns')).toBe(401);
        await as('nora').expect(204, 'PATCH', '/namespaces/nora-ns', { public: true });
        expect(await admin.expect(200, 'GET', '/namespaces/nora-ns')).toMatchObject({ public: true });
        expect(await anonymousReadStatus('nora-ns')).toBe(404);
        expect(await anonymousReadStatus('nora-other-ns')).toBe(401);
        await as('nora').expectError(400, 'REQUEST_INVALID', 'PATCH', '/namespaces/nora-ns', {
          public: 'no',
        });
        await admin.expectError(404, 'ACCOUNT_UNKNOWN', 'PATCH', '/namespaces/no-such-ns', { public: true });
      });

      it('deletes a namespace with its members and robots, for global admins only', async () => {
        await users('pia');
        await admin.createNamespace('doomed-ns');
        await admin.setMember('doomed-ns', 'pia', 'admin');
        const robot = await admin.createRobot('doomed-ns', 'ci', ['pull']);
        const robotLogin = () => login(robot.account, robot.secret);
        expect(await robotLogin()).toBe(200);
        await as('pia').expectError(403, 'DENIED', 'DELETE', '/namespaces/doomed-ns');
        await admin.expect(204, 'DELETE', '/namespaces/doomed-ns');
        await admin.expectError(404, 'ACCOUNT_UNKNOWN', 'GET', '/namespaces/doomed-ns');
        await admin.expectError(404, 'ACCOUNT_UNKNOWN', 'DELETE', '/namespaces/doomed-ns');
        expect(await robotLogin()).toBe(401);
        expect(await admin.expect(200, 'GET', '/users/pia')).toMatchObject({ memberships: [] });
        // A namespace of the same name starts empty: nothing of the old one survives.
        await admin.createNamespace('doomed-ns');
        expect(await admin.expect(200, 'GET', '/namespaces/doomed-ns/members')).toEqual({ members: [] });
        expect(await admin.expect(200, 'GET', '/namespaces/doomed-ns/robots')).toEqual({ robots: [] });
        await as('pia').expectError(403, 'DENIED', 'GET', '/namespaces/doomed-ns');
      });
    });

    describe('members', () => {
      it('adds a member (201), changes the role (200), lists and removes them', async () => {
        await users('quin');
        await admin.createNamespace('mem-ns');
        const path = '/namespaces/mem-ns/members/quin';
        const push = ['repository:mem-ns/app:pull,push'];
        expect(await admin.expect(201, 'PUT', path, { role: 'reader' })).toEqual({
          namespace: 'mem-ns',
          user: 'quin',
          role: 'reader',
        });
        expect(await admin.expect(200, 'PUT', path, { role: 'writer' })).toEqual({
          namespace: 'mem-ns',
          user: 'quin',
          role: 'writer',
        });
        expect(await admin.expect(200, 'GET', '/namespaces/mem-ns/members')).toEqual({
          members: [{ namespace: 'mem-ns', user: 'quin', role: 'writer' }],
        });
        const granted = async () =>
          grantedActions(await tokenFor(registry().url, push, credentialsOf('quin')));
        expect(await granted()).toEqual(['pull', 'push']);
        await admin.expect(204, 'DELETE', path);
        expect(await admin.expect(200, 'GET', '/namespaces/mem-ns/members')).toEqual({ members: [] });
        expect(await granted()).toEqual([]);
        await admin.expectError(404, 'ACCOUNT_UNKNOWN', 'DELETE', path);
      });

      it('refuses unknown users or namespaces (404 ACCOUNT_UNKNOWN) and unknown roles (400)', async () => {
        await users('rolf');
        await admin.createNamespace('rolf-ns');
        await admin.expectError(404, 'ACCOUNT_UNKNOWN', 'PUT', '/namespaces/rolf-ns/members/nobody', {
          role: 'reader',
        });
        await admin.expectError(404, 'ACCOUNT_UNKNOWN', 'PUT', '/namespaces/no-such-ns/members/rolf', {
          role: 'reader',
        });
        await admin.expectError(404, 'ACCOUNT_UNKNOWN', 'GET', '/namespaces/no-such-ns/members');
        for (const role of ['owner', 'Admin', undefined, ['reader']]) {
          await admin.expectError(400, 'REQUEST_INVALID', 'PUT', '/namespaces/rolf-ns/members/rolf', {
            role,
          });
        }
        expect(await admin.expect(200, 'GET', '/namespaces/rolf-ns/members')).toEqual({ members: [] });
      });
    });

    describe('robots', () => {
      it('shows a new robot its secret once, with no-store, and never again', async () => {
        await admin.createNamespace('bot-ns');
        const res = await admin.call('POST', '/namespaces/bot-ns/robots', {
          name: 'ci',
          actions: ['pull', 'push'],
          description: 'builds on main',
        });
        expect(res.status).toBe(201);
        expect(res.headers.get('cache-control')).toBe('no-store');
        const created = (await res.json()) as { robot: RobotBody; secret: string };
        expect(created.robot).toMatchObject({
          account: 'bot-ns+ci',
          namespace: 'bot-ns',
          name: 'ci',
          actions: ['pull', 'push'],
          description: 'builds on main',
        });
        expect(created.secret.length).toBeGreaterThanOrEqual(24);
        expect(await login('bot-ns+ci', created.secret)).toBe(200);
        const listing = await admin.call('GET', '/namespaces/bot-ns/robots');
        const text = await listing.text();
        expect(names(JSON.parse(text), 'robots')).toEqual(['ci']);
        expect(text).not.toContain(created.secret);
        expect(text).not.toContain('"secret"');
        await admin.expectError(409, 'ACCOUNT_EXISTS', 'POST', '/namespaces/bot-ns/robots', {
          name: 'ci',
          actions: ['pull'],
        });
        const again = (await admin.expect(200, 'GET', '/namespaces/bot-ns/robots')) as { robots: object[] };
        expect(JSON.stringify(again)).not.toContain(created.secret);
      });

      it('refuses bad robots: names, actions, descriptions, unknown namespaces', async () => {
        await admin.createNamespace('bad-bot-ns');
        const path = '/namespaces/bad-bot-ns/robots';
        const refused = [
          { name: 'Bad+Name', actions: ['pull'] },
          { name: 'ok', actions: [] },
          { name: 'ok', actions: ['pull', 'admin'] },
          { name: 'ok', actions: 'pull' },
          { name: 'ok', actions: ['pull'], description: 'x'.repeat(1025) },
        ];
        for (const body of refused) await admin.expectError(400, 'REQUEST_INVALID', 'POST', path, body);
        await admin.expectError(404, 'ACCOUNT_UNKNOWN', 'POST', '/namespaces/no-such-ns/robots', {
          name: 'ok',
          actions: ['pull'],
        });
        expect(await admin.expect(200, 'GET', path)).toEqual({ robots: [] });
      });

      it('never shows a password or secret hash in any response', async () => {
        await users('sven');
        await admin.createNamespace('hash-ns');
        await admin.setMember('hash-ns', 'sven', 'admin');
        const created = await admin.call('POST', '/namespaces/hash-ns/robots', {
          name: 'ci',
          actions: ['pull'],
        });
        await admin.expect(204, 'POST', '/namespaces/hash-ns/robots/ci/revoke');
        const responses = [
          created,
          await admin.call('POST', '/users', { name: 'tove', password: passwordOf('tove') }),
          await admin.call('GET', '/users'),
          await admin.call('GET', '/users/sven'),
          await as('sven').call('GET', '/users/sven'),
          await admin.call('GET', '/namespaces'),
          await admin.call('GET', '/namespaces/hash-ns'),
          await admin.call('GET', '/namespaces/hash-ns/members'),
          await admin.call('GET', '/namespaces/hash-ns/robots'),
          await as('sven').call('GET', '/namespaces/hash-ns/robots'),
        ];
        for (const res of responses) {
          const text = await res.text();
          expect([res.url, res.ok]).toEqual([res.url, true]);
          expect([res.url, hashMarkersIn(text)]).toEqual([res.url, []]);
        }
      });

      it('revokes a robot: it stays listed as revoked, and can no longer log in', async () => {
        await admin.createNamespace('revoke-ns');
        const robot = await admin.createRobot('revoke-ns', 'ci', ['pull']);
        expect(await login(robot.account, robot.secret)).toBe(200);
        await admin.expect(204, 'POST', '/namespaces/revoke-ns/robots/ci/revoke');
        expect(await login(robot.account, robot.secret)).toBe(401);
        const { robots } = (await admin.expect(200, 'GET', '/namespaces/revoke-ns/robots')) as {
          robots: RobotBody[];
        };
        expect(robots).toHaveLength(1);
        expect(Number.isNaN(Date.parse(robots[0]!.revokedAt ?? ''))).toBe(false);
        await admin.expectError(404, 'ACCOUNT_UNKNOWN', 'POST', '/namespaces/revoke-ns/robots/nobot/revoke');
      });

      it('deletes a robot: gone from the listing, its secret refused', async () => {
        await admin.createNamespace('delete-bot-ns');
        const robot = await admin.createRobot('delete-bot-ns', 'ci', ['pull']);
        await admin.createRobot('delete-bot-ns', 'keeper', ['pull']);
        await admin.expect(204, 'DELETE', '/namespaces/delete-bot-ns/robots/ci');
        expect(names(await admin.expect(200, 'GET', '/namespaces/delete-bot-ns/robots'), 'robots')).toEqual([
          'keeper',
        ]);
        expect(await login(robot.account, robot.secret)).toBe(401);
        await admin.expectError(404, 'ACCOUNT_UNKNOWN', 'DELETE', '/namespaces/delete-bot-ns/robots/ci');
      });

      it('refuses an expiry that is past or not a date', async () => {
        await admin.createNamespace('expiry-ns');
        const path = '/namespaces/expiry-ns/robots';
        const past = new Date(Date.now() - 60_000).toISOString();
        for (const expiresAt of [past, 'tomorrow', 1_900_000_000_000]) {
          await admin.expectError(400, 'REQUEST_INVALID', 'POST', path, {
            name: 'ci',
            actions: ['pull'],
            expiresAt,
          });
        }
        expect(await admin.expect(200, 'GET', path)).toEqual({ robots: [] });
      });

      it('lets a robot log in until it expires, and not after', async () => {
        await admin.createNamespace('expiring-ns');
        const expiresAt = new Date(Date.now() + 2_000);
        const robot = await admin.createRobot('expiring-ns', 'ci', ['pull'], {
          expiresAt: expiresAt.toISOString(),
        });
        expect(await login(robot.account, robot.secret)).toBe(200);
        const { robots } = (await admin.expect(200, 'GET', '/namespaces/expiring-ns/robots')) as {
          robots: RobotBody[];
        };
        expect(robots[0]!.expiresAt).toBe(expiresAt.toISOString());
        await sleep(expiresAt.getTime() - Date.now() + 100);
        expect(await login(robot.account, robot.secret)).toBe(401);
      });
    });

    describe('namespace admins', () => {
      it('manage the members and robots of their own namespace, and nothing else', async () => {
        await users('rita', 'sam');
        await admin.createNamespace('rita-ns');
        await admin.createNamespace('rita-other-ns');
        await admin.setMember('rita-ns', 'rita', 'admin');
        await admin.setMember('rita-other-ns', 'rita', 'maintainer');
        const rita = as('rita');
        const own = '/namespaces/rita-ns';
        expect(await rita.expect(201, 'PUT', `${own}/members/sam`, { role: 'maintainer' })).toMatchObject({
          role: 'maintainer',
        });
        expect(names(await rita.expect(200, 'GET', `${own}/members`), 'members')).toEqual(['rita', 'sam']);
        const created = (await rita.expect(201, 'POST', `${own}/robots`, {
          name: 'ci',
          actions: ['push'],
        })) as {
          robot: RobotBody;
          secret: string;
        };
        expect(await login('rita-ns+ci', created.secret)).toBe(200);
        expect(names(await rita.expect(200, 'GET', `${own}/robots`), 'robots')).toEqual(['ci']);
        await rita.expect(204, 'POST', `${own}/robots/ci/revoke`);
        await rita.expect(204, 'DELETE', `${own}/robots/ci`);

        // A maintainer is not an admin: sam may push, but not manage the namespace.
        const sam = as('sam');
        await sam.expectError(403, 'DENIED', 'GET', `${own}/members`);
        await sam.expectError(403, 'DENIED', 'PUT', `${own}/members/sam`, { role: 'admin' });
        await sam.expectError(403, 'DENIED', 'POST', `${own}/robots`, { name: 'sams', actions: ['pull'] });
        await rita.expect(204, 'DELETE', `${own}/members/sam`);

        const other = '/namespaces/rita-other-ns';
        await rita.expectError(403, 'DENIED', 'GET', `${other}/members`);
        await rita.expectError(403, 'DENIED', 'PUT', `${other}/members/sam`, { role: 'reader' });
        await rita.expectError(403, 'DENIED', 'DELETE', `${other}/members/rita`);
        await rita.expectError(403, 'DENIED', 'GET', `${other}/robots`);
        await rita.expectError(403, 'DENIED', 'POST', `${other}/robots`, { name: 'ci', actions: ['pull'] });
        await rita.expectError(403, 'DENIED', 'POST', '/namespaces', { name: 'rita-new-ns' });
        await rita.expectError(403, 'DENIED', 'DELETE', own);
        await rita.expectError(403, 'DENIED', 'GET', '/users');
        expect(await admin.expect(200, 'GET', `${other}/members`)).toEqual({
          members: [{ namespace: 'rita-other-ns', user: 'rita', role: 'maintainer' }],
        });
        expect(await admin.expect(200, 'GET', `${other}/robots`)).toEqual({ robots: [] });
      });
    });

    describe('requests', () => {
      it('refuses a body that is not JSON, or not a JSON object (400 REQUEST_INVALID)', async () => {
        for (const body of ['{"name": "uma", "password": ', 'name=uma', '[1, 2]', '"uma"', 'null']) {
          const res = await admin.send('POST', '/users', body);
          expect([body, res.status]).toEqual([body, 400]);
          expect(await errorCodeOf(res)).toBe('REQUEST_INVALID');
        }
        await admin.expectError(404, 'ACCOUNT_UNKNOWN', 'GET', '/users/uma');
      });

      it('refuses an oversized body with 413, and checks credentials before reading any body', async () => {
        const huge = JSON.stringify({ name: 'vera', password: 'x'.repeat(70_000) });
        const tooLarge = await admin.send('POST', '/users', huge);
        expect(tooLarge.status).toBe(413);
        expect(await errorCodeOf(tooLarge)).toBe('REQUEST_INVALID');
        const anonymous = await fetch(new URL('/admin/v1/users', registry().url), {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: '{"broken": ',
        });
        expect(anonymous.status).toBe(401);
        expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic /);
      });

      it('answers 404 NOT_FOUND for paths and methods the admin API does not have', async () => {
        for (const [method, path] of [
          ['GET', '/nothing'],
          ['GET', '/users/admin/extra'],
          ['DELETE', '/users'],
          ['PUT', '/namespaces/ns-public/robots/ci'],
        ] as const) {
          await admin.expectError(404, 'NOT_FOUND', method, path);
        }
      });
    });
  },
  // Several tests show that a credential is refused, and every request comes from one address:
  // the default failed-login budget would soon lock the whole file out.
  authOverrides(signing.privatePem, { failedLogins: { perSecond: 100, burst: 1000 } }),
);

/** The actions a token grants, across all its repository scopes. */
function grantedActions(token: string): string[] {
  return (claimsOf(token).access as { actions: string[] }[]).flatMap((scope) => scope.actions);
}
