import type {
  AccessStore,
  Membership,
  NamespaceRecord,
  NamespaceRole,
  PageRequest,
  RepositoryAction,
  RobotRecord,
  UserRecord,
} from '@berth/metadata-store/port';
import {
  assertAccountName,
  assertNamespaceName,
  assertPassword,
  parseActions,
  parseRole,
} from '../auth/account-names';
import { robotAccountName, type Identity } from '../auth/identity';
import { generateSecret, hashSecret } from '../auth/passwords';
import {
  AccessDeniedError,
  AccountExistsError,
  AccountNotFoundError,
  InvalidAccountRequestError,
} from '../errors/access-errors';

/** A user as the admin API shows it: never the password hash. */
export type UserView = Omit<UserRecord, 'passwordHash'>;
/** A robot as the admin API shows it: its login name, never the secret's hash. */
export type RobotView = Omit<RobotRecord, 'secretHash'> & { account: string };

/** A robot just created, with its secret: the only time the secret is ever shown. */
export interface CreatedRobot {
  robot: RobotView;
  secret: string;
}

/** The operator at the command line, who holds the database and so every right. */
export const OPERATOR: Identity = { kind: 'user', name: '', globalAdmin: true };

type User = Extract<Identity, { kind: 'user' }>;

/**
 * Managing users, namespaces, members and robots, with who may do it: global admins anything,
 * namespace admins their namespace's members and robots, everyone their own password.
 */
export class AccessAdministration {
  constructor(private readonly access: AccessStore) {}

  async usersPage(actor: Identity, page: PageRequest): Promise<UserView[]> {
    requireGlobalAdmin(actor);
    return (await this.access.usersPage(page)).map(userView);
  }

  async user(actor: Identity, name: string): Promise<UserView & { memberships: Membership[] }> {
    if (!isSelf(actor, name)) requireGlobalAdmin(actor);
    const user = await this.access.findUser(name);
    if (!user) throw new AccountNotFoundError(`no user ${name}`);
    return { ...userView(user), memberships: await this.access.membershipsOf(name) };
  }

  async createUser(
    actor: Identity,
    request: { name: unknown; password: unknown; globalAdmin?: unknown },
  ): Promise<UserView> {
    requireGlobalAdmin(actor);
    assertAccountName(request.name, 'user name');
    assertPassword(request.password);
    const globalAdmin =
      request.globalAdmin === undefined ? false : asBoolean(request.globalAdmin, 'globalAdmin');
    const created = await this.access.createUser({
      name: request.name,
      passwordHash: await hashSecret(request.password),
      globalAdmin,
    });
    if (created === 'exists') throw new AccountExistsError(`user ${request.name} already exists`);
    return this.user(actor, request.name);
  }

  /** Anyone may change their own password; only global admins change others or admin rights. */
  async updateUser(
    actor: Identity,
    name: string,
    changes: { password?: unknown; globalAdmin?: unknown },
  ): Promise<void> {
    if (changes.globalAdmin !== undefined || !isSelf(actor, name)) requireGlobalAdmin(actor);
    const update: { passwordHash?: string; globalAdmin?: boolean } = {};
    if (changes.password !== undefined) {
      assertPassword(changes.password);
      update.passwordHash = await hashSecret(changes.password);
    }
    if (changes.globalAdmin !== undefined) update.globalAdmin = asBoolean(changes.globalAdmin, 'globalAdmin');
    if (!(await this.access.updateUser(name, update))) throw new AccountNotFoundError(`no user ${name}`);
  }

  async deleteUser(actor: Identity, name: string): Promise<void> {
    requireGlobalAdmin(actor);
    if (isSelf(actor, name)) throw new InvalidAccountRequestError('you cannot delete yourself');
    if (!(await this.access.deleteUser(name))) throw new AccountNotFoundError(`no user ${name}`);
  }

  /** Global admins see every namespace; others those they belong to. */
  async namespacesPage(actor: Identity, page: PageRequest): Promise<NamespaceRecord[]> {
    const user = requireUser(actor);
    if (user.globalAdmin) return this.access.namespacesPage(page);
    const namespaces: NamespaceRecord[] = [];
    for (const { namespace } of await this.access.membershipsOf(user.name)) {
      if (page.limit !== undefined && namespaces.length >= page.limit) break;
      if (page.last !== undefined && namespace <= page.last) continue;
      const record = await this.access.findNamespace(namespace);
      if (record) namespaces.push(record);
    }
    return namespaces;
  }

  async namespace(actor: Identity, name: string): Promise<NamespaceRecord> {
    const user = requireUser(actor);
    if (!user.globalAdmin && (await this.access.roleOf(name, user.name)) === undefined) {
      throw new AccessDeniedError(`you are not a member of ${name}`);
    }
    return this.existingNamespace(name);
  }

  // Callers have checked the actor's rights already; this only tells a missing namespace apart.
  private async existingNamespace(name: string): Promise<NamespaceRecord> {
    const namespace = await this.access.findNamespace(name);
    if (!namespace) throw new AccountNotFoundError(`no namespace ${name}`);
    return namespace;
  }

  async createNamespace(
    actor: Identity,
    request: { name: unknown; public?: unknown },
  ): Promise<NamespaceRecord> {
    requireGlobalAdmin(actor);
    assertNamespaceName(request.name);
    const isPublic = request.public === undefined ? false : asBoolean(request.public, 'public');
    if ((await this.access.createNamespace({ name: request.name, public: isPublic })) === 'exists') {
      throw new AccountExistsError(`namespace ${request.name} already exists`);
    }
    return this.namespace(actor, request.name);
  }

  async updateNamespace(actor: Identity, name: string, changes: { public?: unknown }): Promise<void> {
    await this.requireNamespaceAdmin(actor, name);
    const update = changes.public === undefined ? {} : { public: asBoolean(changes.public, 'public') };
    if (!(await this.access.updateNamespace(name, update)))
      throw new AccountNotFoundError(`no namespace ${name}`);
  }

  /** Removes the namespace, its members and robots; its repositories stay. */
  async deleteNamespace(actor: Identity, name: string): Promise<void> {
    requireGlobalAdmin(actor);
    if (!(await this.access.deleteNamespace(name))) throw new AccountNotFoundError(`no namespace ${name}`);
  }

  async members(actor: Identity, namespace: string): Promise<Membership[]> {
    await this.requireNamespaceAdmin(actor, namespace);
    await this.existingNamespace(namespace);
    return this.access.members(namespace);
  }

  async setMember(
    actor: Identity,
    namespace: string,
    user: string,
    role: unknown,
  ): Promise<'created' | 'updated'> {
    await this.requireNamespaceAdmin(actor, namespace);
    const result = await this.access.setMember(namespace, user, parseRole(role));
    if (result === 'unknown-namespace') throw new AccountNotFoundError(`no namespace ${namespace}`);
    if (result === 'unknown-user') throw new AccountNotFoundError(`no user ${user}`);
    return result === 'created' ? 'created' : 'updated';
  }

  async removeMember(actor: Identity, namespace: string, user: string): Promise<void> {
    await this.requireNamespaceAdmin(actor, namespace);
    if (!(await this.access.removeMember(namespace, user))) {
      throw new AccountNotFoundError(`${user} is not a member of ${namespace}`);
    }
  }

  async robots(actor: Identity, namespace: string): Promise<RobotView[]> {
    await this.requireNamespaceAdmin(actor, namespace);
    await this.existingNamespace(namespace);
    return (await this.access.robots(namespace)).map(robotView);
  }

  /** Creates a robot with a fresh random secret, returned this once and stored only hashed. */
  async createRobot(
    actor: Identity,
    namespace: string,
    request: { name: unknown; actions: unknown; description?: unknown; expiresAt?: unknown },
  ): Promise<CreatedRobot> {
    await this.requireNamespaceAdmin(actor, namespace);
    assertAccountName(request.name, 'robot name');
    const actions: RepositoryAction[] = parseActions(request.actions);
    const secret = generateSecret();
    const result = await this.access.createRobot({
      namespace,
      name: request.name,
      secretHash: await hashSecret(secret),
      actions,
      ...optionalDescription(request.description),
      ...optionalExpiry(request.expiresAt),
    });
    if (result === 'unknown-namespace') throw new AccountNotFoundError(`no namespace ${namespace}`);
    if (result === 'exists')
      throw new AccountExistsError(`robot ${request.name} already exists in ${namespace}`);
    const robot = await this.access.findRobot(namespace, request.name);
    if (!robot) throw new AccountNotFoundError(`robot ${request.name} vanished while being created`);
    return { robot: robotView(robot), secret };
  }

  async revokeRobot(actor: Identity, namespace: string, name: string): Promise<void> {
    await this.requireNamespaceAdmin(actor, namespace);
    if (!(await this.access.revokeRobot(namespace, name, new Date()))) {
      throw new AccountNotFoundError(`no robot ${name} in ${namespace}`);
    }
  }

  async deleteRobot(actor: Identity, namespace: string, name: string): Promise<void> {
    await this.requireNamespaceAdmin(actor, namespace);
    if (!(await this.access.deleteRobot(namespace, name))) {
      throw new AccountNotFoundError(`no robot ${name} in ${namespace}`);
    }
  }

  /** Creates the first global admin when there are no users at all; false when there were. */
  async bootstrapAdmin(name: string, password: string): Promise<boolean> {
    if ((await this.access.usersPage({ limit: 1 })).length > 0) return false;
    await this.createUser(OPERATOR, { name, password, globalAdmin: true });
    return true;
  }

  async requireNamespaceAdmin(actor: Identity, namespace: string): Promise<void> {
    const user = requireUser(actor);
    if (user.globalAdmin) return;
    const role: NamespaceRole | undefined = await this.access.roleOf(namespace, user.name);
    if (role !== 'admin') throw new AccessDeniedError(`only admins of ${namespace} may do this`);
  }
}

function requireUser(actor: Identity): User {
  if (actor.kind !== 'user') throw new AccessDeniedError('only users may administer the registry');
  return actor;
}

function requireGlobalAdmin(actor: Identity): void {
  if (!requireUser(actor).globalAdmin) throw new AccessDeniedError('only global admins may do this');
}

function isSelf(actor: Identity, name: string): boolean {
  return actor.kind === 'user' && actor.name === name;
}

function asBoolean(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw new InvalidAccountRequestError(`${what} must be true or false`);
  return value;
}

function optionalDescription(description: unknown): { description?: string } {
  if (description === undefined) return {};
  if (typeof description !== 'string' || description.length > 1024) {
    throw new InvalidAccountRequestError('description must be a string of at most 1024 characters');
  }
  return { description };
}

function optionalExpiry(expiresAt: unknown): { expiresAt?: Date } {
  if (expiresAt === undefined) return {};
  const date = typeof expiresAt === 'string' ? new Date(expiresAt) : undefined;
  if (!date || Number.isNaN(date.getTime()) || date <= new Date()) {
    throw new InvalidAccountRequestError('expiresAt must be a future date-time (ISO 8601)');
  }
  return { expiresAt: date };
}

function userView({ passwordHash: _hidden, ...user }: UserRecord): UserView {
  return user;
}

function robotView({ secretHash: _hidden, ...robot }: RobotRecord): RobotView {
  return { ...robot, account: robotAccountName(robot.namespace, robot.name) };
}
