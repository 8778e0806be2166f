import type { RepositoryAction } from '@berth/metadata-store';

/** Actions on the repository a request names, as a Docker token scope grants them. */
export interface RepositoryAccess {
  readonly kind: 'repository';
  readonly actions: readonly RepositoryAction[];
}

/**
 * What a method of a route needs of its caller, in the terms of Docker token scopes: any
 * authenticated caller (`login`), the catalog (`registry:catalog:*`), or actions on the
 * repository named in the path (`repository:<name>:<actions>`); or, beyond what any token scope
 * grants, a global admin (`globalAdmin`), for the admin API's operations on the whole registry.
 */
export type RouteAccess =
  | { readonly kind: 'login' }
  | { readonly kind: 'catalog' }
  | { readonly kind: 'globalAdmin' }
  | RepositoryAccess;

/** Any authenticated caller: the API root, where clients learn how to log in. */
export const LOGIN = { kind: 'login' } as const satisfies RouteAccess;
/** The catalog, which lists only what the caller may pull. */
export const CATALOG = { kind: 'catalog' } as const satisfies RouteAccess;
/** Reading a repository's blobs, manifests, tags or referrers. */
export const PULL = { kind: 'repository', actions: ['pull'] } as const satisfies RepositoryAccess;
/** Writing to a repository; pushing clients check what is there first, so push includes pull. */
export const PUSH = { kind: 'repository', actions: ['pull', 'push'] } as const satisfies RepositoryAccess;
/** Deleting a repository's blobs or manifests. */
export const DELETE = { kind: 'repository', actions: ['delete'] } as const satisfies RepositoryAccess;
/** Operating the whole registry (garbage collection): a user who is a global admin. */
export const GLOBAL_ADMIN = { kind: 'globalAdmin' } as const satisfies RouteAccess;

/** What a request needs of its caller: its route's access, on the repository it names. */
export type Requirement =
  | { kind: 'login' }
  | { kind: 'catalog' }
  | { kind: 'globalAdmin' }
  | { kind: 'repository'; name: string; actions: RepositoryAction[] };

/** The requirement of a request to a route method declaring `access`, on repository `name`. */
export function requirementOf(access: RouteAccess, name: string): Requirement {
  if (access.kind !== 'repository') return { kind: access.kind };
  return { kind: 'repository', name, actions: [...access.actions] };
}
