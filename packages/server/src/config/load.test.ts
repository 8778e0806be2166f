import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, envNameOf, loadConfig, redactConfig } from './load';

describe('configuration', () => {
  it('runs on the embedded default with no configuration at all', () => {
    const config = loadConfig({});
    expect(config.http).toMatchObject({ host: '127.0.0.1', port: 5000 });
    expect(config.blobs.driver).toBe('filesystem');
    expect(config.blobs.filesystem.root).toBe('./data/blobs');
    expect(config.metadata).toMatchObject({ driver: 'pglite', pglite: { dataDir: './data/metadata' } });
    expect(config.coordinator.driver).toBe('memory');
  });

  it('maps every setting to a BERTH_ variable in upper snake case', () => {
    expect(envNameOf(['blobs', 's3', 'forcePathStyle'])).toBe('BERTH_BLOBS_S3_FORCE_PATH_STYLE');
    const config = loadConfig({
      BERTH_HTTP_PORT: '6000',
      BERTH_BLOBS_DRIVER: 's3',
      BERTH_BLOBS_S3_BUCKET: 'layers',
      BERTH_BLOBS_S3_FORCE_PATH_STYLE: 'true',
      BERTH_BLOBS_REDIRECT: 'false',
      BERTH_METADATA_DRIVER: 'postgres',
      BERTH_METADATA_POSTGRES_URL: 'postgres://db/berth',
      BERTH_UPLOADS_SESSION_TTL_SECONDS: '60',
    });
    expect(config.http.port).toBe(6000);
    expect(config.blobs).toMatchObject({
      driver: 's3',
      redirect: false,
      s3: { bucket: 'layers', forcePathStyle: true },
    });
    expect(config.metadata.postgres.url).toBe('postgres://db/berth');
    expect(config.uploads.sessionTtlSeconds).toBe(60);
  });

  it('reads a YAML file, with the environment taking precedence', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-config-'));
    const file = join(dir, 'berth.yaml');
    writeFileSync(file, 'http:\n  port: 7000\n  host: 0.0.0.0\nlog:\n  level: debug\n');
    const config = loadConfig({ BERTH_CONFIG: file, BERTH_HTTP_PORT: '7001' });
    expect(config.http).toMatchObject({ host: '0.0.0.0', port: 7001 });
    expect(config.log.level).toBe('debug');
  });

  it('names each bad setting with its variable', () => {
    expect(() => loadConfig({ BERTH_HTTP_PORT: 'abc' })).toThrow(/http\.port \(BERTH_HTTP_PORT\)/);
    expect(() => loadConfig({ BERTH_BLOBS_DRIVER: 's3' })).toThrow(
      /blobs\.s3\.bucket \(BERTH_BLOBS_S3_BUCKET\): required when blobs.driver is s3/,
    );
    expect(() => loadConfig({ BERTH_COORDINATOR_DRIVER: 'redis' })).toThrow(/BERTH_COORDINATOR_REDIS_URL/);
    expect(() => loadConfig({ BERTH_METADATA_DRIVER: 'mysql' })).toThrow(ConfigError);
  });

  it('refuses unknown keys in the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-config-'));
    const file = join(dir, 'berth.yaml');
    writeFileSync(file, 'htttp:\n  port: 7000\n');
    expect(() => loadConfig({ BERTH_CONFIG: file })).toThrow(/htttp/);
  });

  it('redacts secrets', () => {
    const config = loadConfig({
      BERTH_METADATA_POSTGRES_URL: 'postgres://user:hunter2@db/berth',
      BERTH_BLOBS_S3_SECRET_ACCESS_KEY: 'hunter2',
      BERTH_COORDINATOR_REDIS_URL: 'redis://:hunter2@redis',
    });
    expect(JSON.stringify(redactConfig(config))).not.toContain('hunter2');
  });
});
