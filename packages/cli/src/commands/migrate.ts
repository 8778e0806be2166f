import { defineCommand, type Command, type CommandContext } from '../command';
import { writeLine } from '../output';
import { formatTime, JSON_OPTION, printListing } from './listing';
import { withStore } from './metadata';

/** Exit code of `migrate status` when migrations are pending: not 1, which means it failed. */
const PENDING_EXIT_CODE = 3;

/** Applies pending metadata migrations; safe to run from many pods at once. */
async function applyPending(context: CommandContext): Promise<void> {
  const applied = await withStore(context, (store) => store.migrate());
  writeLine(
    context.stdout,
    applied.length ? `applied: ${applied.join(', ')}` : 'metadata schema is up to date',
  );
}

function applyCommand(name: string, description: string): Command {
  return defineCommand({
    name,
    args: [],
    summary: 'apply pending metadata migrations and exit',
    description,
    options: {},
    run: (_input, context) => applyPending(context),
  });
}

const status = defineCommand({
  name: 'migrate status',
  args: [],
  summary: 'list metadata migrations, applied or pending, without applying any',
  description:
    `Exits 0 when every migration is applied and ${PENDING_EXIT_CODE} when some are pending, ` +
    'so that scripts can tell whether "berth migrate" has work to do. ' +
    'A migration listed as unknown was applied by a newer version of Berth.',
  options: JSON_OPTION,
  async run({ options }, context) {
    const migrations = await withStore(context, (store) => store.migrationStatus());
    printListing(
      context,
      migrations,
      [
        { header: 'MIGRATION', cell: (migration) => migration.name },
        { header: 'STATUS', cell: (migration) => migration.status },
        { header: 'APPLIED', cell: (migration) => formatTime(migration.appliedAt) },
      ],
      options.json,
    );
    return migrations.some((migration) => migration.status === 'pending') ? PENDING_EXIT_CODE : 0;
  },
});

export const MIGRATE_COMMANDS = [
  applyCommand(
    'migrate',
    'Applies, in order, the migrations of this version that the metadata database lacks; ' +
      'several processes may run it at once. The same as "berth migrate up"; ' +
      '"berth migrate status" lists them without applying any.',
  ),
  applyCommand('migrate up', 'The same as "berth migrate".'),
  status,
];
