import { redactConfig, type Config } from '@berth/server';

/** Prints the effective configuration with secrets redacted; loading it already validated it. */
export async function runConfigCheck(config: Config): Promise<number> {
  console.log(JSON.stringify(redactConfig(config), null, 2));
  return 0;
}
