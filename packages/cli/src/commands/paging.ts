import type { PageRequest } from '@berth/metadata-store';

const PAGE_SIZE = 500;

/** The part of a listing to show: names after `after`, at most `limit` of them (all when absent). */
export interface ListingRange {
  after?: string;
  limit?: number;
}

/** The items of a listing that comes in pages ordered by name, within `range`. */
export async function allPages<T extends { name: string }>(
  pageOf: (page: PageRequest) => Promise<T[]>,
  { after, limit = Infinity }: ListingRange = {},
): Promise<T[]> {
  const items: T[] = [];
  let last = after;
  while (items.length < limit) {
    const size = Math.min(PAGE_SIZE, limit - items.length);
    const page = await pageOf({ limit: size, ...(last === undefined ? {} : { last }) });
    items.push(...page);
    last = page.at(-1)?.name;
    if (page.length < size || last === undefined) break;
  }
  return items;
}

/** Bare names as listing items, so that JSON output can gain fields without breaking scripts. */
export function named(names: readonly string[]): { name: string }[] {
  return names.map((name) => ({ name }));
}
