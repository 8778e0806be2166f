import type { RepositoryAction, WriteContext } from '@berth/metadata-store/port';
import type { ResourceAccess } from './access';

/** Who is making a request, once credentials have been checked. */
export type Identity =
  | { kind: 'anonymous' }
  | { kind: 'user'; name: string; globalAdmin: boolean }
  | { kind: 'robot'; namespace: string; name: string; actions: RepositoryAction[] }
  /** A bearer token: what it grants was decided when it was issued, by Berth or a trusted issuer. */
  | { kind: 'token'; subject: string; issuer: string; access: ResourceAccess[] };

export const ANONYMOUS: Identity = { kind: 'anonymous' };

/** Robots log in as `<namespace>+<name>`; `+` never occurs in namespace or user names. */
export const ROBOT_SEPARATOR = '+';

export function robotAccountName(namespace: string, name: string): string {
  return `${namespace}${ROBOT_SEPARATOR}${name}`;
}

/** The name an identity is known by in tokens, logs and rate limits; undefined for anonymous. */
export function accountOf(identity: Identity): string | undefined {
  switch (identity.kind) {
    case 'anonymous':
      return undefined;
    case 'user':
      return identity.name;
    case 'robot':
      return robotAccountName(identity.namespace, identity.name);
    case 'token':
      return identity.subject === '' ? undefined : identity.subject;
  }
}

/** What the writes of `identity` record as their actor: its account, or none for anonymous. */
export function writerOf(identity: Identity): WriteContext {
  const actor = accountOf(identity);
  return actor === undefined ? {} : { actor };
}
