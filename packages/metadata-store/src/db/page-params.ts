import type { PageRequest } from '../model';

/**
 * `last` and `limit` of a page as two query parameters, for `name > $n ORDER BY name LIMIT $m`:
 * every name sorts after '', and LIMIT NULL means no limit.
 *
 * Names sort by bytes ("C" collation) and never hold NUL, the lowest byte, since PostgreSQL text
 * cannot. So the names after a `last` holding NUL are exactly those after the part of it before its
 * first NUL, and such a `last` pages correctly instead of being refused.
 */
export function pageParams(page: PageRequest): [string, number | null] {
  return [beforeFirstNul(page.last ?? ''), page.limit ?? null];
}

function beforeFirstNul(text: string): string {
  const nul = text.indexOf('\0');
  return nul === -1 ? text : text.slice(0, nul);
}
