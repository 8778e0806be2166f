import { OPERATOR, type CreatedRobot, type RobotView } from '@berth/core';
import { REPOSITORY_ACTIONS } from '@berth/metadata-store';
import { defineCommand, UsageError, type CommandContext } from '../../command';
import { writeJson, writeLine } from '../../output';
import { withAdministration } from './administration';
import { formatTime, JSON_OPTION, printListing } from '../listing';

const DAY_MS = 24 * 60 * 60 * 1000;

const add = defineCommand({
  name: 'robot add',
  args: ['namespace', 'name'],
  usage: '--actions <list> [options]',
  summary: 'create a robot account of a namespace, for CI and other machines',
  description:
    'Prints the login name (<namespace>+<name>) and a random secret, the password to log in with. ' +
    'The secret is shown only this once: Berth keeps just its hash.',
  options: {
    actions: {
      type: 'string',
      placeholder: 'list',
      help: `what it may do in the namespace, comma-separated: ${REPOSITORY_ACTIONS.join(', ')}`,
    },
    description: { type: 'string', placeholder: 'text', help: 'what the robot is for' },
    'expires-in-days': { type: 'string', placeholder: 'N', help: 'stop accepting it after N days' },
    ...JSON_OPTION,
  },
  async run({ args: { namespace, name }, options }, context) {
    if (options.actions === undefined) throw new UsageError('--actions is required');
    const request = {
      name,
      actions: options.actions.split(',').map((action) => action.trim()),
      ...(options.description === undefined ? {} : { description: options.description }),
      ...(options['expires-in-days'] === undefined
        ? {}
        : { expiresAt: expiryIn(options['expires-in-days']).toISOString() }),
    };
    const created = await withAdministration(context, (administration) =>
      administration.createRobot(OPERATOR, namespace, request),
    );
    if (options.json) writeJson(context.stdout, created);
    else printCreated(context, created);
  },
});

function expiryIn(days: string): Date {
  const expiry = /^[1-9][0-9]*$/.test(days) ? new Date(Date.now() + Number(days) * DAY_MS) : undefined;
  // A number of days too large for a Date makes an invalid one.
  if (!expiry || Number.isNaN(expiry.getTime())) {
    throw new UsageError('--expires-in-days must be a whole number of days, at least 1');
  }
  return expiry;
}

function printCreated(context: CommandContext, { robot, secret }: CreatedRobot): void {
  const expiry = robot.expiresAt ? `, until ${formatTime(robot.expiresAt)}` : '';
  writeLine(
    context.stdout,
    `created robot ${robot.account}, allowed to ${robot.actions.join(', ')}${expiry}`,
  );
  writeLine(context.stdout);
  writeLine(context.stdout, `  login:  ${robot.account}`);
  writeLine(context.stdout, `  secret: ${secret}`);
  writeLine(context.stdout);
  writeLine(context.stdout, 'Store the secret now: it will not be shown again.');
}

const list = defineCommand({
  name: 'robot ls',
  args: ['namespace'],
  summary: "list a namespace's robots",
  options: JSON_OPTION,
  async run({ args: { namespace }, options }, context) {
    const robots = await withAdministration(context, (administration) =>
      administration.robots(OPERATOR, namespace),
    );
    const now = new Date();
    printListing(
      context,
      robots,
      [
        { header: 'ACCOUNT', cell: (robot) => robot.account },
        { header: 'ACTIONS', cell: (robot) => robot.actions.join(',') },
        { header: 'STATUS', cell: (robot) => status(robot, now) },
        { header: 'EXPIRES', cell: (robot) => formatTime(robot.expiresAt) },
        { header: 'CREATED', cell: (robot) => formatTime(robot.createdAt) },
        { header: 'DESCRIPTION', cell: (robot) => robot.description ?? '' },
      ],
      options.json,
    );
  },
});

function status(robot: RobotView, now: Date): string {
  if (robot.revokedAt) return 'revoked';
  return robot.expiresAt && robot.expiresAt <= now ? 'expired' : 'active';
}

const revoke = defineCommand({
  name: 'robot revoke',
  args: ['namespace', 'name'],
  summary: 'stop accepting a robot, keeping it listed as revoked',
  options: {},
  async run({ args: { namespace, name } }, context) {
    await withAdministration(context, (administration) =>
      administration.revokeRobot(OPERATOR, namespace, name),
    );
    writeLine(context.stdout, `revoked robot ${name} of ${namespace}`);
  },
});

const remove = defineCommand({
  name: 'robot rm',
  args: ['namespace', 'name'],
  summary: 'delete a robot',
  options: {},
  async run({ args: { namespace, name } }, context) {
    await withAdministration(context, (administration) =>
      administration.deleteRobot(OPERATOR, namespace, name),
    );
    writeLine(context.stdout, `deleted robot ${name} of ${namespace}`);
  },
});

export const ROBOT_COMMANDS = [add, list, revoke, remove];
