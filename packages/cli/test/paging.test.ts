import type { PageRequest } from '@berth/metadata-store';
import { allPages } from '../src/commands/paging';

// More names than fit in one page of 500, so that listings cross page boundaries.
const NAMES = Array.from({ length: 1_200 }, (_, i) => `n${String(i).padStart(4, '0')}`);

/** A listing of NAMES that records the pages asked for. */
function listing() {
  const requests: PageRequest[] = [];
  const pageOf = async (page: PageRequest) => {
    requests.push(page);
    const { last } = page;
    const start = last === undefined ? 0 : NAMES.filter((name) => name <= last).length;
    return NAMES.slice(start, start + (page.limit ?? NAMES.length)).map((name) => ({ name }));
  };
  return { requests, pageOf };
}

describe('allPages', () => {
  it('gathers every page', async () => {
    const { requests, pageOf } = listing();
    expect((await allPages(pageOf)).map((item) => item.name)).toEqual(NAMES);
    expect(requests).toEqual([{ limit: 500 }, { limit: 500, last: 'n0499' }, { limit: 500, last: 'n0999' }]);
  });

  it('stops at the limit, asking for no more than it needs', async () => {
    const { requests, pageOf } = listing();
    expect((await allPages(pageOf, { limit: 700 })).map((item) => item.name)).toEqual(NAMES.slice(0, 700));
    expect(requests).toEqual([{ limit: 500 }, { limit: 200, last: 'n0499' }]);
  });

  it('starts after the name given', async () => {
    const { pageOf } = listing();
    const items = await allPages(pageOf, { after: 'n0999', limit: 150 });
    expect(items.map((item) => item.name)).toEqual(NAMES.slice(1_000, 1_150));
    expect(await allPages(pageOf, { after: 'n1199' })).toEqual([]);
  });
});
