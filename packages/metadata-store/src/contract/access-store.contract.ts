import type { NewRobot, NewUser } from '../access/access-model';
import type { AccessStore } from '../access/access-store';
import { UnstorableTextError } from '../db/storable-text';
import type { MetadataStore } from '../metadata-store';
import type { ContractStore } from './metadata-store.contract';

/** Names that a locale-aware collation would order differently than bytes do. */
const BYTE_ORDERED_NAMES = ['B', 'a', 'a-b', 'a.b', 'a_b', 'b'];
const PARALLEL = 20;

function newUser(name: string, globalAdmin = false): NewUser {
  return { name, passwordHash: `$argon2id$v=19$m=65536,t=3,p=4$${name}`, globalAdmin };
}

function newRobot(namespace: string, name: string, extra: Partial<NewRobot> = {}): NewRobot {
  return { namespace, name, secretHash: `$argon2id$secret-of-${name}`, actions: ['pull'], ...extra };
}

/**
 * The behaviour every AccessStore must show, reached through a MetadataStore's `access`. `makeStore`
 * runs before each test and must return a migrated store holding nothing; `cleanup` runs after each
 * test. Each test first checks that nothing written by an earlier test is still there.
 */
export function describeAccessStoreContract(name: string, makeStore: () => Promise<ContractStore>): void {
  describe(`AccessStore contract: ${name}`, () => {
    let store: MetadataStore;
    let access: AccessStore;
    let cleanup: () => Promise<void>;
    let startedAt: Date;

    /** Checks that a timestamp was taken by the database during this test. */
    function expectRecent(date: Date | undefined): void {
      expect(date).toBeInstanceOf(Date);
      expect(date!.getTime()).toBeGreaterThanOrEqual(startedAt.getTime() - 60_000);
      expect(date!.getTime()).toBeLessThanOrEqual(Date.now() + 60_000);
    }

    async function userNames(): Promise<string[]> {
      return (await access.usersPage({})).map((user) => user.name);
    }

    async function namespaceNames(): Promise<string[]> {
      return (await access.namespacesPage({})).map((namespace) => namespace.name);
    }

    /** A namespace with the given users as readers, all created. */
    async function namespaceWith(namespace: string, ...users: string[]): Promise<void> {
      expect(await access.createNamespace({ name: namespace, public: false })).toBe('created');
      for (const user of users) {
        await access.createUser(newUser(user));
        expect(await access.setMember(namespace, user, 'reader')).toBe('created');
      }
    }

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
      access = store.access;
      startedAt = new Date();
      expect(await access.usersPage({})).toEqual([]);
      expect(await access.namespacesPage({})).toEqual([]);
    });

    afterEach(async () => {
      await cleanup();
    });

    describe('users', () => {
      it('are created once per name and found', async () => {
        expect(await access.createUser(newUser('alice', true))).toBe('created');
        expect(await access.createUser({ ...newUser('alice'), passwordHash: 'other' })).toBe('exists');

        const alice = await access.findUser('alice');
        expect(alice).toEqual({
          name: 'alice',
          passwordHash: newUser('alice').passwordHash,
          globalAdmin: true,
          createdAt: expect.any(Date),
        });
        expectRecent(alice?.createdAt);
        expect(await access.findUser('bob')).toBeUndefined();
        expect(await access.findUser('Alice')).toBeUndefined();
      });

      it('are updated field by field', async () => {
        await access.createUser(newUser('alice'));
        const created = await access.findUser('alice');

        expect(await access.updateUser('alice', { passwordHash: 'new hash' })).toBe(true);
        expect(await access.findUser('alice')).toEqual({ ...created, passwordHash: 'new hash' });
        expect(await access.updateUser('alice', { globalAdmin: true })).toBe(true);
        expect(await access.findUser('alice')).toEqual({
          ...created,
          passwordHash: 'new hash',
          globalAdmin: true,
        });
        expect(await access.updateUser('alice', {})).toBe(true);
        expect(await access.updateUser('alice', { passwordHash: 'last', globalAdmin: false })).toBe(true);
        expect(await access.findUser('alice')).toEqual({ ...created, passwordHash: 'last' });

        expect(await access.updateUser('bob', { globalAdmin: true })).toBe(false);
        expect(await access.findUser('bob')).toBeUndefined();
      });

      it('are deleted with their memberships only', async () => {
        await namespaceWith('team', 'alice', 'bob');
        await namespaceWith('other', 'alice');

        expect(await access.deleteUser('alice')).toBe(true);
        expect(await access.deleteUser('alice')).toBe(false);
        expect(await access.findUser('alice')).toBeUndefined();
        expect(await access.membershipsOf('alice')).toEqual([]);
        expect(await access.members('team')).toEqual([{ namespace: 'team', user: 'bob', role: 'reader' }]);
        expect(await access.members('other')).toEqual([]);
        expect(await namespaceNames()).toEqual(['other', 'team']);

        // A new user of the same name inherits nothing.
        expect(await access.createUser(newUser('alice'))).toBe('created');
        expect(await access.roleOf('team', 'alice')).toBeUndefined();
      });

      it('are listed in byte order and paged', async () => {
        for (const name of [...BYTE_ORDERED_NAMES].reverse()) await access.createUser(newUser(name));

        expect(await userNames()).toEqual(BYTE_ORDERED_NAMES);
        expect(await access.usersPage({ limit: 0 })).toEqual([]);
        expect(await access.usersPage({ limit: 1 })).toEqual([await access.findUser('B')]);
        expect((await access.usersPage({ last: 'B', limit: 2 })).map((user) => user.name)).toEqual([
          'a',
          'a-b',
        ]);
        expect((await access.usersPage({ last: 'a-', limit: 1 })).map((user) => user.name)).toEqual(['a-b']);
        expect((await access.usersPage({ last: 'a.b' })).map((user) => user.name)).toEqual(['a_b', 'b']);
        expect(await access.usersPage({ last: 'b' })).toEqual([]);
        expect(await access.usersPage({ last: 'zzz', limit: 5 })).toEqual([]);
      });

      it('page after a `last` holding NUL as after its part before it; other such text is refused', async () => {
        for (const name of BYTE_ORDERED_NAMES) await access.createUser(newUser(name));

        expect((await access.usersPage({ last: 'a\0' })).map((user) => user.name)).toEqual([
          'a-b',
          'a.b',
          'a_b',
          'b',
        ]);
        await expect(access.findUser('a\0')).rejects.toBeInstanceOf(UnstorableTextError);
        await expect(access.createUser(newUser('c\ud800'))).rejects.toBeInstanceOf(UnstorableTextError);
        expect(await userNames()).toEqual(BYTE_ORDERED_NAMES);
      });
    });

    describe('namespaces', () => {
      it('are created once per name, found and updated', async () => {
        expect(await access.createNamespace({ name: 'team', public: false })).toBe('created');
        expect(await access.createNamespace({ name: 'team', public: true })).toBe('exists');

        const team = await access.findNamespace('team');
        expect(team).toEqual({ name: 'team', public: false, createdAt: expect.any(Date) });
        expectRecent(team?.createdAt);

        expect(await access.updateNamespace('team', { public: true })).toBe(true);
        expect(await access.findNamespace('team')).toEqual({ ...team, public: true });
        expect(await access.updateNamespace('team', {})).toBe(true);
        expect(await access.findNamespace('team')).toEqual({ ...team, public: true });

        expect(await access.updateNamespace('unknown', { public: true })).toBe(false);
        expect(await access.findNamespace('unknown')).toBeUndefined();
        expect(await access.findNamespace('Team')).toBeUndefined();
      });

      it('are deleted with their members and robots, and nothing else', async () => {
        await namespaceWith('team', 'alice', 'bob');
        await namespaceWith('other', 'alice');
        await access.createRobot(newRobot('team', 'ci'));
        await access.createRobot(newRobot('other', 'ci'));

        expect(await access.deleteNamespace('team')).toBe(true);
        expect(await access.deleteNamespace('team')).toBe(false);
        expect(await access.findNamespace('team')).toBeUndefined();
        expect(await access.members('team')).toEqual([]);
        expect(await access.robots('team')).toEqual([]);
        expect(await access.findRobot('team', 'ci')).toBeUndefined();
        expect(await access.membershipsOf('alice')).toEqual([
          { namespace: 'other', user: 'alice', role: 'reader' },
        ]);
        expect(await access.findRobot('other', 'ci')).toBeDefined();
        expect(await userNames()).toEqual(['alice', 'bob']);

        // A new namespace of the same name inherits nothing.
        await access.createNamespace({ name: 'team', public: false });
        expect(await access.members('team')).toEqual([]);
        expect(await access.robots('team')).toEqual([]);
      });

      it('are deleted without the repositories under them', async () => {
        const blob = { digest: `sha256:${'a'.repeat(64)}`, size: 1, storageKey: 'blobs/a' };
        await store.addBlob('team/app', blob);
        await namespaceWith('team', 'alice');

        expect(await access.deleteNamespace('team')).toBe(true);
        expect(await store.repositoriesPage({})).toEqual(['team/app']);
        expect(await store.findRepositoryBlob('team/app', blob.digest)).toEqual(blob);
      });

      it('are listed in byte order and paged', async () => {
        for (const name of [...BYTE_ORDERED_NAMES].reverse()) {
          await access.createNamespace({ name, public: name === 'a' });
        }

        expect(await namespaceNames()).toEqual(BYTE_ORDERED_NAMES);
        expect(await access.namespacesPage({ limit: 0 })).toEqual([]);
        const [a] = await access.namespacesPage({ last: 'B', limit: 1 });
        expect(a).toEqual({ name: 'a', public: true, createdAt: expect.any(Date) });
        const names = async (last: string, limit?: number) => {
          const page = await access.namespacesPage({ last, ...(limit !== undefined ? { limit } : {}) });
          return page.map((namespace) => namespace.name);
        };
        expect(await names('B', 2)).toEqual(['a', 'a-b']);
        expect(await names('a-', 1)).toEqual(['a-b']);
        expect(await names('a.b')).toEqual(['a_b', 'b']);
        expect(await names('b')).toEqual([]);
      });

      it('can be walked page by page', async () => {
        for (const name of BYTE_ORDERED_NAMES) await access.createNamespace({ name, public: false });
        const walked: string[] = [];
        for (let page = await access.namespacesPage({ limit: 2 }); page.length > 0;) {
          walked.push(...page.map((namespace) => namespace.name));
          page = await access.namespacesPage({ last: page.at(-1)!.name, limit: 2 });
        }
        expect(walked).toEqual(BYTE_ORDERED_NAMES);
      });
    });

    describe('members', () => {
      it('are added, changed and removed', async () => {
        await access.createNamespace({ name: 'team', public: false });
        await access.createUser(newUser('alice'));

        expect(await access.roleOf('team', 'alice')).toBeUndefined();
        expect(await access.setMember('team', 'alice', 'writer')).toBe('created');
        expect(await access.roleOf('team', 'alice')).toBe('writer');
        expect(await access.setMember('team', 'alice', 'admin')).toBe('exists');
        expect(await access.roleOf('team', 'alice')).toBe('admin');
        expect(await access.setMember('team', 'alice', 'admin')).toBe('exists');
        expect(await access.members('team')).toEqual([{ namespace: 'team', user: 'alice', role: 'admin' }]);

        expect(await access.removeMember('team', 'alice')).toBe(true);
        expect(await access.removeMember('team', 'alice')).toBe(false);
        expect(await access.roleOf('team', 'alice')).toBeUndefined();
        expect(await access.members('team')).toEqual([]);
        expect(await access.findUser('alice')).toBeDefined();
        expect(await access.setMember('team', 'alice', 'reader')).toBe('created');
      });

      it('need both the namespace and the user', async () => {
        await access.createNamespace({ name: 'team', public: false });
        await access.createUser(newUser('alice'));

        expect(await access.setMember('unknown', 'alice', 'reader')).toBe('unknown-namespace');
        expect(await access.setMember('team', 'unknown', 'reader')).toBe('unknown-user');
        expect(await access.setMember('unknown', 'unknown', 'reader')).toBe('unknown-namespace');
        expect(await access.members('team')).toEqual([]);
        expect(await access.members('unknown')).toEqual([]);
        expect(await access.membershipsOf('alice')).toEqual([]);
        expect(await access.membershipsOf('unknown')).toEqual([]);
        expect(await access.removeMember('unknown', 'alice')).toBe(false);
      });

      it('keep every role', async () => {
        await access.createNamespace({ name: 'team', public: false });
        const roles = ['reader', 'writer', 'maintainer', 'admin'] as const;
        for (const role of roles) {
          await access.createUser(newUser(role));
          await access.setMember('team', role, role);
        }
        for (const role of roles) expect(await access.roleOf('team', role)).toBe(role);
      });

      it('are listed by user in a namespace, and by namespace for a user, in byte order', async () => {
        const shuffled = [...BYTE_ORDERED_NAMES].reverse();
        await access.createNamespace({ name: 'team', public: false });
        for (const name of shuffled) await access.createUser(newUser(name));
        for (const name of shuffled) await access.createNamespace({ name, public: false });
        for (const name of shuffled) {
          await access.setMember('team', name, 'writer');
          await access.setMember(name, 'a', 'reader');
        }

        expect(await access.members('team')).toEqual(
          BYTE_ORDERED_NAMES.map((user) => ({ namespace: 'team', user, role: 'writer' })),
        );
        expect(await access.membershipsOf('a')).toEqual([
          ...BYTE_ORDERED_NAMES.map((namespace) => ({ namespace, user: 'a', role: 'reader' })),
          { namespace: 'team', user: 'a', role: 'writer' },
        ]);
      });
    });

    describe('robots', () => {
      it('are created once per name in a namespace and found', async () => {
        await access.createNamespace({ name: 'team', public: false });
        await access.createNamespace({ name: 'other', public: false });
        const robot = newRobot('team', 'ci', { actions: ['pull', 'push'] });

        expect(await access.createRobot(robot)).toBe('created');
        expect(await access.createRobot({ ...robot, secretHash: 'other' })).toBe('exists');
        expect(await access.createRobot(newRobot('other', 'ci'))).toBe('created');

        const found = await access.findRobot('team', 'ci');
        expect(found).toEqual({
          namespace: 'team',
          name: 'ci',
          secretHash: robot.secretHash,
          actions: ['pull', 'push'],
          createdAt: expect.any(Date),
        });
        // Unset optional fields are absent, not null.
        expect(found?.description).toBeUndefined();
        expect(found?.expiresAt).toBeUndefined();
        expect(found?.revokedAt).toBeUndefined();
        expectRecent(found?.createdAt);
        expect(await access.findRobot('team', 'deploy')).toBeUndefined();
        expect(await access.findRobot('unknown', 'ci')).toBeUndefined();
      });

      it('keep their description, expiry and every action', async () => {
        await access.createNamespace({ name: 'team', public: false });
        const expiresAt = new Date('2027-02-03T04:05:06.789Z');
        const robot = newRobot('team', 'deploy', {
          actions: ['pull', 'push', 'delete'],
          description: 'Deploys from CI, é ünïcode',
          expiresAt,
        });

        await access.createRobot(robot);
        const found = await access.findRobot('team', 'deploy');
        expect(found).toEqual({
          namespace: 'team',
          name: 'deploy',
          secretHash: robot.secretHash,
          actions: ['pull', 'push', 'delete'],
          description: 'Deploys from CI, é ünïcode',
          createdAt: expect.any(Date),
          expiresAt,
        });
        expect(found?.expiresAt).toBeInstanceOf(Date);
      });

      it('need a namespace', async () => {
        expect(await access.createRobot(newRobot('unknown', 'ci'))).toBe('unknown-namespace');
        expect(await access.robots('unknown')).toEqual([]);
        expect(await access.revokeRobot('unknown', 'ci', new Date())).toBe(false);
        expect(await access.deleteRobot('unknown', 'ci')).toBe(false);
      });

      it('are listed by name in byte order, revoked and expired ones included', async () => {
        await access.createNamespace({ name: 'team', public: false });
        await access.createNamespace({ name: 'other', public: false });
        const past = new Date('2020-01-01T00:00:00Z');
        for (const name of [...BYTE_ORDERED_NAMES].reverse()) {
          await access.createRobot(newRobot('team', name, name === 'a' ? { expiresAt: past } : {}));
        }
        await access.createRobot(newRobot('other', 'elsewhere'));
        await access.revokeRobot('team', 'b', past);

        const robots = await access.robots('team');
        expect(robots.map((robot) => robot.name)).toEqual(BYTE_ORDERED_NAMES);
        expect(robots.find((robot) => robot.name === 'a')?.expiresAt).toEqual(past);
        expect(robots.find((robot) => robot.name === 'b')?.revokedAt).toEqual(past);
        expect(await access.robots('other')).toEqual([await access.findRobot('other', 'elsewhere')]);
      });

      it('are revoked once, keeping the first time', async () => {
        await access.createNamespace({ name: 'team', public: false });
        await access.createRobot(newRobot('team', 'ci'));
        await access.createRobot(newRobot('team', 'other'));
        const first = new Date('2026-11-23T10:00:00.123Z');

        expect(await access.revokeRobot('team', 'ci', first)).toBe(true);
        expect((await access.findRobot('team', 'ci'))?.revokedAt).toEqual(first);
        expect(await access.revokeRobot('team', 'ci', new Date('2026-11-24T10:00:00Z'))).toBe(true);
        expect(await access.revokeRobot('team', 'ci', new Date('2026-11-22T10:00:00Z'))).toBe(true);
        expect((await access.findRobot('team', 'ci'))?.revokedAt).toEqual(first);
        expect((await access.findRobot('team', 'other'))?.revokedAt).toBeUndefined();
        expect(await access.revokeRobot('team', 'unknown', first)).toBe(false);
      });

      it('are deleted one at a time', async () => {
        await access.createNamespace({ name: 'team', public: false });
        await access.createRobot(newRobot('team', 'ci'));
        await access.createRobot(newRobot('team', 'other'));

        expect(await access.deleteRobot('team', 'ci')).toBe(true);
        expect(await access.deleteRobot('team', 'ci')).toBe(false);
        expect(await access.findRobot('team', 'ci')).toBeUndefined();
        expect((await access.robots('team')).map((robot) => robot.name)).toEqual(['other']);
        expect(await access.createRobot(newRobot('team', 'ci'))).toBe('created');
      });
    });

    describe('under concurrency', () => {
      it('creates one user when many create the same name', async () => {
        const results = await Promise.all(
          Array.from({ length: PARALLEL }, (_, i) => access.createUser(newUser('alice', i % 2 === 0))),
        );
        expect(results.filter((result) => result === 'created')).toHaveLength(1);
        expect(results.filter((result) => result === 'exists')).toHaveLength(PARALLEL - 1);
        expect(await userNames()).toEqual(['alice']);
      });

      it('creates one namespace when many create the same name', async () => {
        const results = await Promise.all(
          Array.from({ length: PARALLEL }, () => access.createNamespace({ name: 'team', public: false })),
        );
        expect(results.filter((result) => result === 'created')).toHaveLength(1);
        expect(await namespaceNames()).toEqual(['team']);
      });

      it('creates one membership when many set it at once', async () => {
        await access.createNamespace({ name: 'team', public: false });
        await access.createUser(newUser('alice'));
        const roles = ['reader', 'writer', 'maintainer', 'admin'] as const;

        const results = await Promise.all(
          Array.from({ length: PARALLEL }, (_, i) =>
            access.setMember('team', 'alice', roles[i % roles.length]!),
          ),
        );
        expect(results.filter((result) => result === 'created')).toHaveLength(1);
        expect(results.filter((result) => result === 'exists')).toHaveLength(PARALLEL - 1);
        const members = await access.members('team');
        expect(members).toHaveLength(1);
        expect(roles).toContain(members[0]?.role);
      });

      it('creates one robot when many create the same name', async () => {
        await access.createNamespace({ name: 'team', public: false });
        const results = await Promise.all(
          Array.from({ length: PARALLEL }, () => access.createRobot(newRobot('team', 'ci'))),
        );
        expect(results.filter((result) => result === 'created')).toHaveLength(1);
        expect(await access.robots('team')).toHaveLength(1);
      });

      it('leaves no member or robot behind a namespace deleted while they are added', async () => {
        const users = Array.from({ length: PARALLEL }, (_, i) => `user-${i}`);
        await access.createNamespace({ name: 'team', public: false });
        for (const user of users) await access.createUser(newUser(user));

        const [deleted, ...results] = await Promise.all([
          access.deleteNamespace('team'),
          ...users.map((user) => access.setMember('team', user, 'reader')),
          ...users.map((user) => access.createRobot(newRobot('team', user))),
        ]);
        expect(deleted).toBe(true);
        for (const result of results) expect(['created', 'unknown-namespace']).toContain(result);
        expect(await access.members('team')).toEqual([]);
        expect(await access.robots('team')).toEqual([]);
        for (const user of users) expect(await access.membershipsOf(user)).toEqual([]);
      });

      it('leaves no membership behind a user deleted while it is added', async () => {
        const namespaces = Array.from({ length: PARALLEL }, (_, i) => `team-${i}`);
        await access.createUser(newUser('alice'));
        for (const name of namespaces) await access.createNamespace({ name, public: false });

        const [deleted, ...results] = await Promise.all([
          access.deleteUser('alice'),
          ...namespaces.map((namespace) => access.setMember(namespace, 'alice', 'reader')),
        ]);
        expect(deleted).toBe(true);
        for (const result of results) expect(['created', 'unknown-user']).toContain(result);
        expect(await access.membershipsOf('alice')).toEqual([]);
        for (const namespace of namespaces) expect(await access.members(namespace)).toEqual([]);
      });
    });
  });
}
