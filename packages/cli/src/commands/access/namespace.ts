import { OPERATOR } from '@berth/core';
import { defineCommand, exclusiveFlag } from '../../command';
import { writeLine } from '../../output';
import { formatTime, JSON_OPTION, printListing } from '../listing';
import { allPages } from '../paging';
import { withAdministration } from './administration';

const PUBLIC_HELP = 'anyone, even without logging in, may pull from it';

function visibility(isPublic: boolean): string {
  return isPublic ? 'public' : 'private';
}

const add = defineCommand({
  name: 'namespace add',
  args: ['name'],
  summary: 'create a namespace: repositories named <name>/... that members get access to',
  options: { public: { type: 'boolean', help: PUBLIC_HELP } },
  async run({ args: { name }, options }, context) {
    const namespace = await withAdministration(context, (administration) =>
      administration.createNamespace(OPERATOR, { name, public: options.public ?? false }),
    );
    writeLine(context.stdout, `created ${visibility(namespace.public)} namespace ${namespace.name}`);
  },
});

const list = defineCommand({
  name: 'namespace ls',
  args: [],
  summary: 'list namespaces',
  options: JSON_OPTION,
  async run({ options }, context) {
    const namespaces = await withAdministration(context, (administration) =>
      allPages((page) => administration.namespacesPage(OPERATOR, page)),
    );
    printListing(
      context,
      namespaces,
      [
        { header: 'NAME', cell: (namespace) => namespace.name },
        { header: 'VISIBILITY', cell: (namespace) => visibility(namespace.public) },
        { header: 'CREATED', cell: (namespace) => formatTime(namespace.createdAt) },
      ],
      options.json,
    );
  },
});

const set = defineCommand({
  name: 'namespace set',
  args: ['name'],
  usage: '--public|--private',
  summary: 'make a namespace public or private',
  options: {
    public: { type: 'boolean', help: PUBLIC_HELP },
    private: { type: 'boolean', help: 'only members and robots may pull from it' },
  },
  async run({ args: { name }, options }, context) {
    const isPublic = exclusiveFlag(options, { public: true, private: false });
    await withAdministration(context, (administration) =>
      administration.updateNamespace(OPERATOR, name, { public: isPublic }),
    );
    writeLine(context.stdout, `namespace ${name} is now ${visibility(isPublic)}`);
  },
});

const remove = defineCommand({
  name: 'namespace rm',
  args: ['name'],
  summary: 'delete a namespace with its members and robots; its repositories stay',
  options: {},
  async run({ args: { name } }, context) {
    await withAdministration(context, (administration) => administration.deleteNamespace(OPERATOR, name));
    writeLine(context.stdout, `deleted namespace ${name} with its members and robots`);
  },
});

export const NAMESPACE_COMMANDS = [add, list, set, remove];
