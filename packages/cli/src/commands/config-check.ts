import { loadConfigWithNotes, redactConfig } from '@berth/server';
import { defineCommand } from '../command';
import { writeJson, writeLine } from '../output';

/**
 * Loading the configuration validates it, exactly as `serve` does; printing it shows what the
 * defaults filled in.
 */
export const configCheckCommand = defineCommand({
  name: 'config check',
  args: [],
  summary: 'validate the configuration and print it with secrets redacted',
  usesMetadata: false,
  options: {},
  async run(_input, context) {
    const { config, ignoredVariables } = loadConfigWithNotes(context.env);
    writeJson(context.stdout, redactConfig(config));
    if (ignoredVariables.length > 0) {
      writeLine(
        context.stderr,
        `note: ignored BERTH_* variables that are no settings: ${ignoredVariables.join(' ')}`,
      );
    }
  },
});
