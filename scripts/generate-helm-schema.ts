/*
 * Writes the `config` section of helm/berth/values.schema.json from Berth's configuration schema
 * (see packages/server/test/deployment/support/chart-config-schema.ts); the rest of the file is
 * the chart's own. Run after changing a setting, once the packages are built:
 *
 *   npm run build && node -r esbuild-register scripts/generate-helm-schema.ts
 *
 * helm-values.test.ts fails while the file and the schema disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { chartConfigSchema } from '../packages/server/test/deployment/support/chart-config-schema';

async function main(): Promise<void> {
  const file = join(__dirname, '../helm/berth/values.schema.json');
  const values = JSON.parse(readFileSync(file, 'utf8')) as { properties: Record<string, unknown> };
  values.properties.config = chartConfigSchema();
  const options = (await resolveConfig(file)) ?? {};
  writeFileSync(file, await format(JSON.stringify(values), { ...options, filepath: file }));
  process.stdout.write(`wrote the config section of ${file}\n`);
}

void main();
