import { generateSigningKey } from '@berth/server';
import { defineCommand } from '../../command';

const keygen = defineCommand({
  name: 'auth keygen',
  args: [],
  summary: 'print a new ES256 private key for signing tokens (auth.signingKey)',
  usesMetadata: false,
  description:
    'Save it to a file and set auth.signingKey.file (BERTH_AUTH_SIGNING_KEY_FILE) to its path, or put ' +
    'the PEM in auth.signingKey.pem (BERTH_AUTH_SIGNING_KEY_PEM). Every registry process must use the same key.',
  options: {},
  async run(_input, context) {
    context.stdout.write(generateSigningKey().pem);
  },
});

export const AUTH_COMMANDS = [keygen];
