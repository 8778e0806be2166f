import {
  NAMESPACE_ROLES,
  REPOSITORY_ACTIONS,
  type NamespaceRole,
  type RepositoryAction,
} from '@berth/metadata-store/port';
import { InvalidAccountRequestError } from '../errors/access-errors';
import { assertRepositoryName } from '../oci/names';

// Lower-case, no `+` (it separates a robot's namespace from its name) and no `:` (Basic auth).
const ACCOUNT_GRAMMAR = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const MAX_ACCOUNT_LENGTH = 64;
export const MIN_PASSWORD_LENGTH = 12;
const MAX_PASSWORD_LENGTH = 1024;

/** Throws unless `name` is usable as a user or robot name. */
export function assertAccountName(name: unknown, what: string): asserts name is string {
  if (typeof name !== 'string' || name.length > MAX_ACCOUNT_LENGTH || !ACCOUNT_GRAMMAR.test(name)) {
    throw new InvalidAccountRequestError(
      `${what} must be lower-case letters and digits separated by . _ or -, at most ${MAX_ACCOUNT_LENGTH} characters`,
    );
  }
}

/** Throws unless `name` is usable as a namespace: a repository name, or a prefix of ones. */
export function assertNamespaceName(name: unknown): asserts name is string {
  if (typeof name !== 'string') throw new InvalidAccountRequestError('namespace must be a string');
  try {
    assertRepositoryName(name);
  } catch {
    throw new InvalidAccountRequestError(
      `invalid namespace ${JSON.stringify(name)}: it must be a valid repository name`,
    );
  }
}

export function assertPassword(password: unknown): asserts password is string {
  if (
    typeof password !== 'string' ||
    password.length < MIN_PASSWORD_LENGTH ||
    password.length > MAX_PASSWORD_LENGTH
  ) {
    throw new InvalidAccountRequestError(
      `password must be between ${MIN_PASSWORD_LENGTH} and ${MAX_PASSWORD_LENGTH} characters`,
    );
  }
}

export function parseRole(role: unknown): NamespaceRole {
  if (!NAMESPACE_ROLES.includes(role as NamespaceRole)) {
    throw new InvalidAccountRequestError(`role must be one of ${NAMESPACE_ROLES.join(', ')}`);
  }
  return role as NamespaceRole;
}

export function parseActions(actions: unknown): RepositoryAction[] {
  if (
    !Array.isArray(actions) ||
    actions.length === 0 ||
    !actions.every((action) => REPOSITORY_ACTIONS.includes(action as RepositoryAction))
  ) {
    throw new InvalidAccountRequestError(
      `actions must be a non-empty list of ${REPOSITORY_ACTIONS.join(', ')}`,
    );
  }
  return [...new Set(actions as RepositoryAction[])];
}
