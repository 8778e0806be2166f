import { defineCommand, positiveInteger } from '../../command';
import { JSON_OPTION, printListing } from '../listing';
import { withMigratedServices } from '../metadata';
import { allPages, named } from '../paging';

const list = defineCommand({
  name: 'repo ls',
  args: [],
  summary: 'list repositories',
  description:
    'Lists every repository, ordered by name, unless --after or --limit pick a part: ' +
    'to go on from a limited listing, pass its last name as --after.',
  options: {
    limit: { type: 'string', placeholder: 'N', help: 'list at most N repositories' },
    after: { type: 'string', placeholder: 'name', help: 'list only the repositories named after this' },
    ...JSON_OPTION,
  },
  async run({ options }, context) {
    const limit = positiveInteger(options.limit, 'limit');
    const range = {
      ...(limit !== undefined ? { limit } : {}),
      ...(options.after !== undefined ? { after: options.after } : {}),
    };
    const repositories = await withMigratedServices(context, ({ listing }) =>
      allPages(async ({ limit, last }) => named((await listing.repositoriesPage(limit, last)).names), range),
    );
    printListing(
      context,
      repositories,
      [{ header: 'NAME', cell: (repository) => repository.name }],
      options.json,
    );
  },
});

export const REPO_COMMANDS = [list];
