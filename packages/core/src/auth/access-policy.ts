import type { AccessStore, NamespaceRole, RepositoryAction } from '@berth/metadata-store/port';
import type { ResourceAccess } from './access';
import { ROBOT_SEPARATOR, type Identity } from './identity';
import type { NamespaceResolver } from './namespaces';

const ALL_ACTIONS: readonly RepositoryAction[] = ['pull', 'push', 'delete'];

const ROLE_ACTIONS: Record<NamespaceRole, readonly RepositoryAction[]> = {
  reader: ['pull'],
  writer: ['pull', 'push'],
  maintainer: ALL_ACTIONS,
  admin: ALL_ACTIONS,
};

/** The catalog, as token scopes name it. */
export const CATALOG_RESOURCE = { type: 'registry', name: 'catalog' } as const;

/** A robot or user behind a token subject, for decisions a token's claims do not cover. */
type Account = Exclude<Identity, { kind: 'token' }>;

/**
 * Decides what an identity may do to repositories, from namespace roles, robot scopes, public
 * namespaces and, for bearer tokens, the token's own `access` claim.
 */
export class AccessPolicy {
  readonly #access: AccessStore;
  readonly #namespaces: NamespaceResolver;

  constructor(access: AccessStore, namespaces: NamespaceResolver) {
    this.#access = access;
    this.#namespaces = namespaces;
  }

  namespaceOf(repository: string): string {
    return this.#namespaces.namespaceOf(repository);
  }

  /** The actions the identity holds on the repository. */
  async repositoryActions(identity: Identity, repository: string): Promise<Set<RepositoryAction>> {
    if (identity.kind === 'token') return tokenActions(identity.access, repository);
    if (identity.kind === 'user' && identity.globalAdmin) return new Set(ALL_ACTIONS);
    const namespace = this.namespaceOf(repository);
    const granted = new Set<RepositoryAction>();
    if (identity.kind === 'robot' && identity.namespace === namespace) {
      for (const action of identity.actions) granted.add(action);
      // Pushing means checking what is already there first.
      if (granted.has('push')) granted.add('pull');
    }
    if (identity.kind === 'user') {
      const role = await this.#access.roleOf(namespace, identity.name);
      for (const action of role ? ROLE_ACTIONS[role] : []) granted.add(action);
    }
    if (!granted.has('pull') && (await this.#access.findNamespace(namespace))?.public) granted.add('pull');
    return granted;
  }

  /** Whether the identity holds every one of the actions on the repository. */
  async allows(
    identity: Identity,
    repository: string,
    actions: readonly RepositoryAction[],
  ): Promise<boolean> {
    const granted = await this.repositoryActions(identity, repository);
    return actions.every((action) => granted.has(action));
  }

  /** What of the requested scopes a token for this identity may carry. */
  async grant(identity: Account, requested: readonly ResourceAccess[]): Promise<ResourceAccess[]> {
    const granted: ResourceAccess[] = [];
    for (const scope of requested) {
      let actions: string[] = [];
      if (scope.type === 'repository') {
        const held = await this.repositoryActions(identity, scope.name);
        actions = scope.actions.flatMap((action) =>
          action === '*' ? [...held] : held.has(action as RepositoryAction) ? [action] : [],
        );
      } else if (scope.type === CATALOG_RESOURCE.type && scope.name === CATALOG_RESOURCE.name) {
        // Everyone may ask for the catalog; it lists only what they may pull.
        actions = scope.actions.filter((action) => action === '*');
      }
      if (actions.length > 0)
        granted.push({ type: scope.type, name: scope.name, actions: [...new Set(actions)] });
    }
    return granted;
  }

  /** Whether the identity may list the catalog at all. */
  mayListCatalog(identity: Identity): boolean {
    if (identity.kind !== 'token') return true;
    return identity.access.some(
      (scope) =>
        scope.type === CATALOG_RESOURCE.type &&
        scope.name === CATALOG_RESOURCE.name &&
        scope.actions.includes('*'),
    );
  }

  /** A test of which repositories the identity may see in the catalog: those it may pull. */
  async catalogFilter(identity: Identity): Promise<(repository: string) => Promise<boolean>> {
    const account = identity.kind === 'token' ? await this.accountOfSubject(identity.subject) : identity;
    const visible = new Map<string, boolean>();
    return async (repository) => {
      if (identity.kind === 'token' && tokenActions(identity.access, repository).has('pull')) return true;
      const namespace = this.namespaceOf(repository);
      let allowed = visible.get(namespace);
      if (allowed === undefined) {
        allowed = await this.allows(account, repository, ['pull']);
        visible.set(namespace, allowed);
      }
      return allowed;
    };
  }

  /** The user or robot a token was issued to; anonymous when the subject is unknown here. */
  async accountOfSubject(subject: string): Promise<Account> {
    const separator = subject.indexOf(ROBOT_SEPARATOR);
    if (separator > 0) {
      const robot = await this.#access.findRobot(subject.slice(0, separator), subject.slice(separator + 1));
      if (robot && isRobotUsable(robot)) {
        return { kind: 'robot', namespace: robot.namespace, name: robot.name, actions: robot.actions };
      }
      return { kind: 'anonymous' };
    }
    const user = subject === '' ? undefined : await this.#access.findUser(subject);
    return user ? { kind: 'user', name: user.name, globalAdmin: user.globalAdmin } : { kind: 'anonymous' };
  }
}

/** A robot that is neither revoked nor expired. */
export function isRobotUsable(robot: { revokedAt?: Date; expiresAt?: Date }, now = new Date()): boolean {
  return robot.revokedAt === undefined && (robot.expiresAt === undefined || robot.expiresAt > now);
}

function tokenActions(access: readonly ResourceAccess[], repository: string): Set<RepositoryAction> {
  const granted = new Set<RepositoryAction>();
  for (const scope of access) {
    if (scope.type !== 'repository' || scope.name !== repository) continue;
    for (const action of scope.actions) {
      if (action === '*') ALL_ACTIONS.forEach((each) => granted.add(each));
      else if ((ALL_ACTIONS as readonly string[]).includes(action)) granted.add(action as RepositoryAction);
    }
  }
  return granted;
}
