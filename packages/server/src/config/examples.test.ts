import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { loadConfig } from './load';

const root = join(__dirname, '../../../..');
const exampleDir = join(root, 'config');

/** The chart writes its `config` values to the pod's file with empty strings and nulls removed. */
function withoutEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmpty);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== '' && v !== null)
      .map(([k, v]) => [k, withoutEmpty(v)]),
  );
}

// Credentials come from secrets in every deployment, never from the files.
const secrets = {
  BERTH_METADATA_POSTGRES_URL: 'postgres://berth@db/berth',
  BERTH_COORDINATOR_REDIS_URL: 'redis://cache:6379',
  BERTH_BLOBS_S3_BUCKET: 'registry',
};

describe('shipped configuration', () => {
  it.each(readdirSync(exampleDir).filter((file) => file.endsWith('.yaml')))('%s is valid', (file) => {
    expect(() => loadConfig({ ...secrets, BERTH_CONFIG: join(exampleDir, file) })).not.toThrow();
  });

  it('the Helm chart default values make a valid configuration', () => {
    const values = parse(readFileSync(join(root, 'helm/berth/values.yaml'), 'utf8')) as { config: unknown };
    const file = join(mkdtempSync(join(tmpdir(), 'berth-helm-')), 'berth.yaml');
    writeFileSync(file, stringify(withoutEmpty(values.config)));
    const config = loadConfig({ ...secrets, BERTH_CONFIG: file });
    expect(config.blobs.driver).toBe('s3');
    expect(config.metadata.driver).toBe('postgres');
    expect(config.coordinator.driver).toBe('redis');
  });
});
