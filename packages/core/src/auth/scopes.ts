import type { ResourceAccess } from './access';

/**
 * Parses a token request's `scope` parameters (`repository:team/app:pull,push`). Names may hold
 * colons (a registry host with a port), so the type ends at the first colon and the actions
 * start after the last. Malformed scopes are skipped: they grant nothing.
 */
export function parseScopes(scopes: readonly string[]): ResourceAccess[] {
  const parsed: ResourceAccess[] = [];
  for (const scope of scopes.flatMap((value) => value.split(' '))) {
    const first = scope.indexOf(':');
    const last = scope.lastIndexOf(':');
    if (first <= 0 || last === first) continue;
    const name = scope.slice(first + 1, last);
    const actions = scope
      .slice(last + 1)
      .split(',')
      .filter((action) => action !== '');
    if (name !== '' && actions.length > 0) parsed.push({ type: scope.slice(0, first), name, actions });
  }
  return parsed;
}

/** The scope string of one resource, as challenges and token responses write it. */
export function formatScope({ type, name, actions }: ResourceAccess): string {
  return `${type}:${name}:${actions.join(',')}`;
}
