import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { withoutEmpty } from '../../test/deployment/support/tree';
import { loadConfig } from './load';

const root = join(__dirname, '../../../..');
const exampleDir = join(root, 'config');

// Credentials come from secrets in every deployment, never from the files.
const secrets = {
  BERTH_METADATA_POSTGRES_URL: 'postgres://berth@db/berth',
  BERTH_COORDINATOR_REDIS_URL: 'redis://cache:6379',
  BERTH_BLOBS_S3_BUCKET: 'registry',
};

// The chart's Deployment mounts the signing key Secret and names the file outside the config file.
const chartEnvironment = { BERTH_AUTH_SIGNING_KEY_FILE: '/etc/berth/keys/signing.pem' };

describe('shipped configuration', () => {
  it.each(readdirSync(exampleDir).filter((file) => file.endsWith('.yaml')))('%s is valid', (file) => {
    expect(() => loadConfig({ ...secrets, BERTH_CONFIG: join(exampleDir, file) })).not.toThrow();
  });

  it('the production example signs tokens with a key file and limits rates', () => {
    const config = loadConfig({ ...secrets, BERTH_CONFIG: join(exampleDir, 'production.example.yaml') });
    expect(config.auth.enabled).toBe(true);
    expect(config.auth.signingKey?.file).toBeDefined();
    expect(config.rateLimits.enabled).toBe(true);
  });

  it('the Helm chart default values make a valid configuration', () => {
    const values = parse(readFileSync(join(root, 'helm/berth/values.yaml'), 'utf8')) as { config: unknown };
    const file = join(mkdtempSync(join(tmpdir(), 'berth-helm-')), 'berth.yaml');
    writeFileSync(file, stringify(withoutEmpty(values.config)));
    const config = loadConfig({ ...secrets, ...chartEnvironment, BERTH_CONFIG: file });
    // The embedded default, which installs as it is; ci/stateless-values.yaml switches it.
    expect(config.blobs.driver).toBe('filesystem');
    expect(config.metadata.driver).toBe('pglite');
    expect(config.coordinator.driver).toBe('memory');
    expect(config.auth.enabled).toBe(true);
    expect(config.auth.signingKey).toEqual({ file: chartEnvironment.BERTH_AUTH_SIGNING_KEY_FILE });
    expect(config.rateLimits.enabled).toBe(true);
  });

  describe('docker-compose.yml', () => {
    interface Service {
      environment?: Record<string, string>;
      volumes?: string[];
      command?: string[];
    }
    const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: Record<string, Service>;
    };
    const berth = compose.services.berth as Service;

    it('gives Berth a valid configuration with auth and rate limits on', () => {
      const config = loadConfig(berth.environment);
      expect(config.auth.enabled).toBe(true);
      expect(config.auth.initialAdmin).toBeDefined();
      expect(config.rateLimits.enabled).toBe(true);
    });

    it('reads the signing key from the volume that berth-keygen writes it to', () => {
      const keygen = compose.services['berth-keygen'] as Service;
      expect(loadConfig(berth.environment).auth.signingKey).toEqual({ file: '/keys/signing.pem' });
      expect(berth.volumes).toContain('berth-keys:/keys:ro');
      expect(keygen.volumes).toContain('berth-keys:/data');
      expect(keygen.command?.join(' ')).toContain('mv /data/signing.pem.new /data/signing.pem');
    });
  });
});
