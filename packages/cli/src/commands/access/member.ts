import { OPERATOR } from '@berth/core';
import { NAMESPACE_ROLES } from '@berth/metadata-store';
import { defineCommand } from '../../command';
import { writeLine } from '../../output';
import { withAdministration } from './administration';
import { JSON_OPTION, printListing } from '../listing';

const set = defineCommand({
  name: 'member set',
  args: ['namespace', 'user', 'role'],
  summary: 'add a user to a namespace, or change their role there',
  description:
    `Roles, each allowing what the ones before it do: ${NAMESPACE_ROLES.join(', ')}. ` +
    'Readers pull, writers also push, maintainers also delete, admins also manage members and robots.',
  options: {},
  async run({ args: { namespace, user, role } }, context) {
    const result = await withAdministration(context, (administration) =>
      administration.setMember(OPERATOR, namespace, user, role),
    );
    writeLine(
      context.stdout,
      result === 'created'
        ? `added ${user} to ${namespace} as ${role}`
        : `${user} is now ${role} in ${namespace}`,
    );
  },
});

const remove = defineCommand({
  name: 'member rm',
  args: ['namespace', 'user'],
  summary: 'remove a user from a namespace',
  options: {},
  async run({ args: { namespace, user } }, context) {
    await withAdministration(context, (administration) =>
      administration.removeMember(OPERATOR, namespace, user),
    );
    writeLine(context.stdout, `removed ${user} from ${namespace}`);
  },
});

const list = defineCommand({
  name: 'member ls',
  args: ['namespace'],
  summary: "list a namespace's members and their roles",
  options: JSON_OPTION,
  async run({ args: { namespace }, options }, context) {
    const members = await withAdministration(context, (administration) =>
      administration.members(OPERATOR, namespace),
    );
    printListing(
      context,
      members,
      [
        { header: 'USER', cell: (member) => member.user },
        { header: 'ROLE', cell: (member) => member.role },
      ],
      options.json,
    );
  },
});

export const MEMBER_COMMANDS = [set, remove, list];
