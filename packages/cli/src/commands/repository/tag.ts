import { defineCommand } from '../../command';
import { JSON_OPTION, printListing } from '../listing';
import { withMigratedServices } from '../metadata';
import { allPages, named } from '../paging';
import { tagsPage } from './lookup';

const list = defineCommand({
  name: 'tag ls',
  args: ['repository'],
  summary: "list a repository's tags",
  description: 'Run "berth manifest inspect <repository> <tag>" for the manifest a tag points at.',
  options: JSON_OPTION,
  async run({ args: { repository }, options }, context) {
    const tags = await withMigratedServices(context, (services) =>
      allPages(async (page) => named(await tagsPage(services, repository, page))),
    );
    printListing(context, tags, [{ header: 'TAG', cell: (tag) => tag.name }], options.json);
  },
});

export const TAG_COMMANDS = [list];
