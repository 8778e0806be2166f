#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '@berth/server';
import { runConfigCheck } from './commands/config-check';
import { runMigrate } from './commands/migrate';
import { runServe } from './commands/serve';

const USAGE = `Usage: berth <command>

Commands:
  serve          start the registry (the default)
  migrate        apply pending metadata migrations and exit
  config check   validate the configuration and print it with secrets redacted

Configuration comes from the YAML file named by BERTH_CONFIG and from BERTH_* environment
variables (see README.md).`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const command = positionals.join(' ') || 'serve';
  const commands: Record<string, () => Promise<number>> = {
    serve: () => runServe(loadConfig()),
    migrate: () => runMigrate(loadConfig()),
    'config check': () => runConfigCheck(loadConfig()),
  };
  const run = commands[command];
  if (!run) {
    console.error(`unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  return run();
}

main(process.argv.slice(2)).then(
  (code) => {
    // `serve` returns once listening; the open server keeps the process alive.
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exitCode = 1;
  },
);
