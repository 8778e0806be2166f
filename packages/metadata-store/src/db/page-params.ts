import type { PageRequest } from '../model';

/**
 * `last` and `limit` of a page as two query parameters, for `name > $n ORDER BY name LIMIT $m`:
 * every name sorts after '', and LIMIT NULL means no limit.
 */
export function pageParams(page: PageRequest): [string, number | null] {
  return [page.last ?? '', page.limit ?? null];
}
