import { loadConfig, redactConfig } from '@berth/server';
import { defineCommand } from '../command';
import { writeJson } from '../output';

/** Loading the configuration validates it; printing it shows what the defaults filled in. */
export const configCheckCommand = defineCommand({
  name: 'config check',
  args: [],
  summary: 'validate the configuration and print it with secrets redacted',
  usesMetadata: false,
  options: {},
  async run(_input, context) {
    writeJson(context.stdout, redactConfig(loadConfig(context.env)));
  },
});
