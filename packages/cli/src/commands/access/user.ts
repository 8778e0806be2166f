import { OPERATOR } from '@berth/core';
import { defineCommand, exclusiveFlag } from '../../command';
import { writeLine } from '../../output';
import { formatTime, JSON_OPTION, printListing, yesNo } from '../listing';
import { allPages } from '../paging';
import { withAdministration } from './administration';
import { PASSWORD_HELP, PASSWORD_STDIN_OPTION, readNewPassword } from './password';

const add = defineCommand({
  name: 'user add',
  args: ['name'],
  summary: 'create a user who logs in with a password',
  description: PASSWORD_HELP,
  options: {
    admin: { type: 'boolean', help: 'make the user a global admin, who may do anything' },
    ...PASSWORD_STDIN_OPTION,
  },
  async run({ args: { name }, options }, context) {
    const password = await readNewPassword(context, options['password-stdin']);
    const user = await withAdministration(context, (administration) =>
      administration.createUser(OPERATOR, { name, password, globalAdmin: options.admin ?? false }),
    );
    writeLine(context.stdout, `created ${user.globalAdmin ? 'global admin' : 'user'} ${user.name}`);
  },
});

const list = defineCommand({
  name: 'user ls',
  args: [],
  summary: 'list users',
  options: JSON_OPTION,
  async run({ options }, context) {
    const users = await withAdministration(context, (administration) =>
      allPages((page) => administration.usersPage(OPERATOR, page)),
    );
    printListing(
      context,
      users,
      [
        { header: 'NAME', cell: (user) => user.name },
        { header: 'ADMIN', cell: (user) => yesNo(user.globalAdmin) },
        { header: 'CREATED', cell: (user) => formatTime(user.createdAt) },
      ],
      options.json,
    );
  },
});

const passwd = defineCommand({
  name: 'user passwd',
  args: ['name'],
  summary: "change a user's password",
  description: PASSWORD_HELP,
  options: PASSWORD_STDIN_OPTION,
  async run({ args: { name }, options }, context) {
    const password = await readNewPassword(context, options['password-stdin']);
    await withAdministration(context, (administration) =>
      administration.updateUser(OPERATOR, name, { password }),
    );
    writeLine(context.stdout, `changed the password of ${name}`);
  },
});

const remove = defineCommand({
  name: 'user rm',
  args: ['name'],
  summary: 'delete a user and their memberships',
  options: {},
  async run({ args: { name } }, context) {
    await withAdministration(context, (administration) => administration.deleteUser(OPERATOR, name));
    writeLine(context.stdout, `deleted user ${name}`);
  },
});

const admin = defineCommand({
  name: 'user admin',
  args: ['name'],
  usage: '--on|--off',
  summary: 'grant or withdraw global admin rights',
  options: {
    on: { type: 'boolean', help: 'make the user a global admin, who may do anything' },
    off: { type: 'boolean', help: 'make the user an ordinary user again' },
  },
  async run({ args: { name }, options }, context) {
    const globalAdmin = exclusiveFlag(options, { on: true, off: false });
    await withAdministration(context, (administration) =>
      administration.updateUser(OPERATOR, name, { globalAdmin }),
    );
    writeLine(context.stdout, `${name} is ${globalAdmin ? 'now' : 'no longer'} a global admin`);
  },
});

export const USER_COMMANDS = [add, list, passwd, remove, admin];
