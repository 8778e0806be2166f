import type { Readable, Writable } from 'node:stream';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { RegistryError, type GcService } from '@berth/core';
import { DataDirectoryInUseError, type MetadataStore } from '@berth/metadata-store';
import { ConfigError } from '@berth/server';
import { formatTable, wrap, writeLine } from './output';

/** Where a command reads and writes: the process's own streams and environment, or a test's. */
export interface CommandContext {
  env: NodeJS.ProcessEnv;
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable;
  stderr: Writable;
  /**
   * The metadata store a running registry holds open, when the command runs inside it on another
   * process's behalf; commands then use it instead of opening the configured database.
   */
  store?: MetadataStore;
  /** The running registry's garbage collection, lent with its store: its runtime and its runs. */
  gc?: GcService;
  /** The running command's name (`user add`), set as it starts. */
  commandName?: string;
}

/** A failure reported as `error: <message>`, exiting with `exitCode`. */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The command line is wrong: exits 2 and points to the command's help. */
export class UsageError extends CommandError {
  constructor(message: string) {
    super(message, 2);
  }
}

type ParseArgsOption = NonNullable<ParseArgsConfig['options']>[string];

/** A parseArgs option with its help line; `placeholder` names a string option's value there. */
type OptionSpec = ParseArgsOption & { help: string; placeholder?: string };
export type OptionSpecs = Record<string, OptionSpec>;

type ParsedOptions<O extends OptionSpecs> = ReturnType<
  typeof parseArgs<{ options: O; strict: true; allowPositionals: true }>
>['values'];

/** What a command's help shows. */
interface CommandDescription<O extends OptionSpecs, A extends readonly string[]> {
  /** The words that select the command, e.g. `user add`. */
  name: string;
  /** Names of the positional arguments, all required. */
  args: A;
  /** The options part of the usage line when it is not just `[options]`, e.g. `--on|--off`. */
  usage?: string;
  /** One line for command listings. */
  summary: string;
  /** Further help, after the summary. */
  description?: string;
  /** False for a command that never opens the metadata database (default true). */
  usesMetadata?: boolean;
  options: O;
}

interface CommandSpec<O extends OptionSpecs, A extends readonly string[]> extends CommandDescription<O, A> {
  /** Returns the exit code when success is not the only outcome worth telling scripts (else 0). */
  run(
    input: { args: Record<A[number], string>; options: ParsedOptions<O> },
    context: CommandContext,
  ): Promise<number | void>;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  /** The usage line without `Usage: `, e.g. `berth user add <name> [options]`. */
  readonly synopsis: string;
  /** Whether it opens the metadata database, so that a registry holding it must run it instead. */
  readonly usesMetadata: boolean;
  /** Whether it reads a new password (typed, or from stdin with --password-stdin). */
  readonly readsPassword: boolean;
  /** Runs the command on the arguments after its name; `--help` prints its help instead. */
  execute(argv: string[], context: CommandContext): Promise<number>;
}

/** The option of commands that read a new password, which then comes from stdin, not a prompt. */
export const PASSWORD_OPTION = 'password-stdin';

const HELP_OPTION = {
  help: { type: 'boolean', short: 'h', help: 'show this help' },
} as const satisfies OptionSpecs;

export function defineCommand<const O extends OptionSpecs, const A extends readonly string[]>(
  spec: CommandSpec<O, A>,
): Command {
  const options: OptionSpecs = { ...spec.options, ...HELP_OPTION };
  const synopsis = synopsisOf(spec);
  const help = helpText(synopsis, spec, options);
  return {
    name: spec.name,
    summary: spec.summary,
    synopsis,
    usesMetadata: spec.usesMetadata ?? true,
    readsPassword: PASSWORD_OPTION in spec.options,
    async execute(argv, context) {
      try {
        const { values, positionals } = parseCommandLine(argv, options);
        if (values.help) {
          writeLine(context.stdout, help);
          return 0;
        }
        checkArgumentCount(spec.args, positionals);
        const args = Object.fromEntries(spec.args.map((name, i) => [name, positionals[i]]));
        // parseArgs checked the values against `options`, which is what ParsedOptions<O> describes.
        const code = await spec.run(
          { args: args as Record<A[number], string>, options: values as ParsedOptions<O> },
          { ...context, commandName: spec.name },
        );
        return typeof code === 'number' ? code : 0;
      } catch (error) {
        return reportError(error, spec.name, context);
      }
    },
  };
}

function checkArgumentCount(names: readonly string[], positionals: string[]): void {
  const missing = names.slice(positionals.length);
  if (missing.length > 0) throw new UsageError(`missing ${missing.map((name) => `<${name}>`).join(' ')}`);
  const extra = positionals[names.length];
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
}

/** The one flag given out of mutually exclusive ones (e.g. `--on|--off`), mapped to its value. */
export function exclusiveFlag<K extends string, V>(
  options: Partial<Record<K, boolean>>,
  choices: Record<K, V>,
): V {
  const flags = Object.keys(choices) as K[];
  const given = flags.filter((flag) => options[flag]);
  const [flag] = given;
  if (given.length !== 1 || flag === undefined) {
    throw new UsageError(`give exactly one of ${flags.map((name) => `--${name}`).join(' or ')}`);
  }
  return choices[flag];
}

/** A count given as an option, such as `--limit`; undefined when the option is absent. */
export function positiveInteger(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const count = /^[1-9][0-9]*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(count)) throw new UsageError(`--${option} must be a whole number, at least 1`);
  return count;
}

function parseCommandLine(argv: string[], options: OptionSpecs) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (error) {
    if (isParseArgsError(error)) throw new UsageError(error.message);
    throw error;
  }
}

/**
 * parseArgs signals a bad command line with errors coded ERR_PARSE_ARGS_*. They are told by
 * their code: they may come from another realm (as under jest), where `instanceof` fails.
 */
function isParseArgsError(error: unknown): error is { message: string } {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS') && typeof message === 'string';
}

/** Prints an expected failure and returns its exit code; anything else is a bug and propagates. */
export function reportError(error: unknown, command: string, context: CommandContext): number {
  if (
    error instanceof CommandError ||
    error instanceof RegistryError ||
    error instanceof ConfigError ||
    error instanceof DataDirectoryInUseError
  ) {
    writeLine(context.stderr, `error: ${error.message}`);
    if (error instanceof UsageError) writeLine(context.stderr, `Run "berth ${command} --help" for usage.`);
    return error instanceof CommandError ? error.exitCode : 1;
  }
  throw error;
}

type AnyDescription = CommandDescription<OptionSpecs, readonly string[]>;

function synopsisOf({ name, args, usage, options }: AnyDescription): string {
  const optionsPart = usage ?? (Object.keys(options).length > 0 ? '[options]' : undefined);
  return ['berth', name, ...args.map((arg) => `<${arg}>`), ...(optionsPart ? [optionsPart] : [])].join(' ');
}

function helpText(synopsis: string, { summary, description }: AnyDescription, options: OptionSpecs): string {
  const optionRows = Object.entries(options).map(([name, option]) => [
    `  ${option.short ? `-${option.short}, ` : ''}--${name}${option.placeholder ? ` <${option.placeholder}>` : ''}`,
    option.help,
  ]);
  const sections = [
    `Usage: ${synopsis}`,
    capitalize(summary) + '.',
    description === undefined ? undefined : wrap(description),
    `Options:\n${formatTable(optionRows)}`,
  ];
  return sections.filter((section) => section !== undefined).join('\n\n');
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
