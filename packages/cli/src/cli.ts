import type { Command, CommandContext } from './command';
import { AUTH_COMMANDS } from './commands/access/auth';
import { MEMBER_COMMANDS } from './commands/access/member';
import { NAMESPACE_COMMANDS } from './commands/access/namespace';
import { ROBOT_COMMANDS } from './commands/access/robot';
import { USER_COMMANDS } from './commands/access/user';
import { configCheckCommand } from './commands/config-check';
import { GC_COMMANDS } from './commands/gc/gc';
import { MIGRATE_COMMANDS } from './commands/migrate';
import { MANIFEST_COMMANDS } from './commands/repository/manifest';
import { REPO_COMMANDS } from './commands/repository/repo';
import { TAG_COMMANDS } from './commands/repository/tag';
import { serveCommand } from './commands/serve';
import { runThroughHolder } from './local-channel';
import { formatTable, writeLine } from './output';

// The registry runs the metadata commands of other processes while it holds an embedded database.
const SERVE_COMMAND = serveCommand(runForwarded);

const SECTIONS: readonly { title: string; commands: readonly Command[] }[] = [
  { title: 'Registry', commands: [SERVE_COMMAND, ...MIGRATE_COMMANDS, configCheckCommand] },
  { title: 'Repositories', commands: [...REPO_COMMANDS, ...TAG_COMMANDS, ...MANIFEST_COMMANDS] },
  { title: 'Garbage collection', commands: GC_COMMANDS },
  {
    title: 'Access control',
    commands: [
      ...USER_COMMANDS,
      ...NAMESPACE_COMMANDS,
      ...MEMBER_COMMANDS,
      ...ROBOT_COMMANDS,
      ...AUTH_COMMANDS,
    ],
  },
];

const COMMANDS = SECTIONS.flatMap((section) => section.commands);
const DEFAULT_COMMAND = SERVE_COMMAND;

const USAGE = `Usage: berth <command> [arguments] [options]

${sectionListing()}

Run "berth <command> --help" for its arguments and options.

Configuration comes from the YAML file named by BERTH_CONFIG and from BERTH_* environment
variables (see README.md). Repository, garbage collection and access-control commands work on
the configured metadata database, with every right ("gc run" on the blob store too). A registry
running on the embedded PGlite database holds it, and runs these commands itself when they are
given. Access-control commands migrate the database first; the others need it migrated already.`;

/** Runs the command that `argv` names (`serve` when none) and returns the exit code. */
export async function runCli(argv: string[], context: CommandContext): Promise<number> {
  const words = argv.slice(0, firstOption(argv));
  const command = findCommand(words);
  if (command) {
    const args = argv.slice(command.name.split(' ').length);
    const wantsCommandHelp = args.includes('--help') || args.includes('-h');
    if (command.usesMetadata && !wantsCommandHelp) {
      const code = await runThroughHolder(command, argv, context);
      if (code !== undefined) return code;
    }
    return command.execute(args, context);
  }
  const wantsHelp = argv.includes('--help') || argv.includes('-h');
  if (words.length === 0) {
    if (!wantsHelp) return DEFAULT_COMMAND.execute(argv, context);
    writeLine(context.stdout, USAGE);
    return 0;
  }
  const group = COMMANDS.filter((candidate) => candidate.name.startsWith(`${words[0]} `));
  if (group.length > 0 && words.length === 1) {
    const help = `Usage: berth ${words[0]} <command>\n\nCommands:\n${listing(group.map((c) => [c.synopsis, c.summary]))}`;
    writeLine(wantsHelp ? context.stdout : context.stderr, help);
    return wantsHelp ? 0 : 2;
  }
  writeLine(context.stderr, `unknown command "${words.join(' ')}"\n\n${USAGE}`);
  return 2;
}

/** Runs a command line sent by another process: only commands on the metadata the registry holds. */
function runForwarded(argv: string[], context: CommandContext): Promise<number> {
  const command = findCommand(argv.slice(0, firstOption(argv)));
  if (!command?.usesMetadata) {
    writeLine(context.stderr, `error: the registry runs only metadata commands for others`);
    return Promise.resolve(2);
  }
  return command.execute(argv.slice(command.name.split(' ').length), context);
}

function firstOption(argv: string[]): number {
  const index = argv.findIndex((arg) => arg.startsWith('-'));
  return index === -1 ? argv.length : index;
}

/**
 * The command whose name the first of `words` spell, the longest when several do (`migrate`
 * and `migrate status`); the words after it are its arguments.
 */
function findCommand(words: string[]): Command | undefined {
  let found: Command | undefined;
  for (const command of COMMANDS) {
    const name = command.name.split(' ');
    const matches = name.every((word, i) => words[i] === word);
    if (matches && name.length > (found?.name.split(' ').length ?? 0)) found = command;
  }
  return found;
}

/** Every section's commands, aligned as one table. */
function sectionListing(): string {
  const lines = listing(COMMANDS.map((c) => [c.name, c.summary])).split('\n');
  return SECTIONS.map(({ title, commands }) =>
    [`${title}:`, ...lines.splice(0, commands.length)].join('\n'),
  ).join('\n\n');
}

function listing(rows: string[][]): string {
  return formatTable(rows.map(([first = '', second = '']) => [`  ${first}`, second]));
}
