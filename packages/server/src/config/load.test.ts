import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  configVariables,
  ConfigError,
  envNameOf,
  loadConfig,
  loadConfigWithNotes,
  redactConfig,
} from './load';

function configFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'berth-config-')), 'berth.yaml');
  writeFileSync(file, text);
  return file;
}

/** The problems a configuration is refused for, one line each. */
function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.message
      .split('\n')
      .slice(1)
      .map((line) => line.trim());
  }
  return [];
}

describe('configuration', () => {
  it('runs on the embedded default with no configuration at all', () => {
    const config = loadConfig({});
    expect(config.http).toMatchObject({ host: '127.0.0.1', port: 5000 });
    expect(config.blobs).toMatchObject({ driver: 'filesystem', filesystem: { root: './data/blobs' } });
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
    expect(config.metadata).toMatchObject({ driver: 'postgres', postgres: { url: 'postgres://db/berth' } });
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

  it('refuses unknown keys at any depth of the file, suggesting the nearest setting', () => {
    const file = configFile(
      [
        'http:',
        '  prot: 5000',
        'blobs:',
        '  driver: s3',
        '  bucket: layers',
        '  s3:',
        '    bucket: layers',
        '    partSzie: 8388608',
        '    connectTimeoutMs: 5000',
        'auth:',
        '  externalIssuers:',
        '    - issuer: https://sso.example.com',
        '      audience: berth',
        '      jwksUrl: https://sso.example.com/jwks.json',
        '      isuer: https://sso.example.com',
        'rateLimits:',
        '  overrides:',
        '    - namespace: ci',
        '      class: writes',
        '      limit: { perSecond: 1, burst: 2, brust: 3 }',
        'zzz: 1',
      ].join('\n'),
    );
    expect(problems({ BERTH_CONFIG: file })).toEqual([
      'http.prot (BERTH_HTTP_PROT): unknown setting; did you mean http.port (BERTH_HTTP_PORT)?',
      'blobs.s3.partSzie (BERTH_BLOBS_S3_PART_SZIE): unknown setting; did you mean blobs.s3.partSize (BERTH_BLOBS_S3_PART_SIZE)?',
      'blobs.s3.connectTimeoutMs (BERTH_BLOBS_S3_CONNECT_TIMEOUT_MS): unknown setting; did you mean blobs.s3.connectTimeoutSeconds (BERTH_BLOBS_S3_CONNECT_TIMEOUT_SECONDS)?',
      'blobs.bucket (BERTH_BLOBS_BUCKET): unknown setting; did you mean blobs.s3.bucket (BERTH_BLOBS_S3_BUCKET)?',
      'auth.externalIssuers[0].isuer: unknown setting; did you mean auth.externalIssuers[0].issuer?',
      'rateLimits.overrides[0].limit.brust: unknown setting; did you mean rateLimits.overrides[0].limit.burst?',
      'zzz (BERTH_ZZZ): unknown setting',
    ]);
  });

  it('refuses BERTH_ variables that name no setting, suggesting the nearest', () => {
    expect(
      problems({
        BERTH_HTTP_PROT: '1',
        BERTH_BLOB_S3_BUCKET: 'layers',
        BERTH_METADATA_POSTGRES_STATEMENT_TIMEOUT_MS: '10000',
        BERTH_NOTHING_LIKE_IT: 'x',
      }),
    ).toEqual([
      'BERTH_BLOB_S3_BUCKET: unknown variable; did you mean BERTH_BLOBS_S3_BUCKET (blobs.s3.bucket)?',
      'BERTH_HTTP_PROT: unknown variable; did you mean BERTH_HTTP_PORT (http.port)?',
      'BERTH_METADATA_POSTGRES_STATEMENT_TIMEOUT_MS: unknown variable; did you mean BERTH_METADATA_POSTGRES_STATEMENT_TIMEOUT_SECONDS (metadata.postgres.statementTimeoutSeconds)?',
      'BERTH_NOTHING_LIKE_IT: unknown variable',
    ]);
    // Lists have no variable: the file gives them.
    expect(problems({ BERTH_AUTH_NAMESPACE_PREFIXES: 'team/app' })).toEqual([
      'BERTH_AUTH_NAMESPACE_PREFIXES: auth.namespacePrefixes is a list, which only the configuration file can give',
    ]);
  });

  it('reads every variable it lists, and names each after its setting', () => {
    const variables = configVariables();
    expect(variables).toContain('BERTH_CONFIG');
    expect(variables).toContain('BERTH_BLOBS_S3_PART_SIZE');
    expect(variables).toContain('BERTH_COORDINATOR_REDIS_COMMAND_TIMEOUT_SECONDS');
    expect(variables).not.toContain('BERTH_AUTH_VERIFICATION_KEYS');
    expect(new Set(variables).size).toBe(variables.length);
    const outcome = (env: NodeJS.ProcessEnv) => {
      const refused = problems(env);
      return refused.length > 0 ? refused.join('\n') : JSON.stringify(loadConfig(env));
    };
    const baseline = outcome({});
    for (const name of variables.filter((variable) => variable !== 'BERTH_CONFIG')) {
      // Each variable changes what is loaded, or is refused under its own name, never as unknown.
      const probed = outcome({ [name]: 'probe-value' });
      expect(probed).not.toEqual(baseline);
      expect(probed).not.toContain('unknown variable');
      if (probed.startsWith('{')) {
        expect(probed).toContain('probe-value');
      } else {
        // Refused in the setting's own group: the value itself, or a rule of the group it broke
        // (a kid alone is not a key, a username alone not an admin).
        const named = (probed.split(/[ :]/)[0] as string).split('.');
        expect(name.startsWith(`${envNameOf(named.slice(0, -1))}_`)).toBe(true);
      }
    }
  });

  it('reports every problem of the file and the environment at once', () => {
    const file = configFile('http:\n  prot: 1\nblobs:\n  driver: s3\n');
    expect(problems({ BERTH_CONFIG: file, BERTH_HTTP_PROT: '1', BERTH_HTTP_PORT: 'abc' })).toEqual([
      'http.port (BERTH_HTTP_PORT): Invalid input: expected number, received NaN',
      'http.prot (BERTH_HTTP_PROT): unknown setting; did you mean http.port (BERTH_HTTP_PORT)?',
      'blobs.s3.bucket (BERTH_BLOBS_S3_BUCKET): required when blobs.driver is s3',
      'BERTH_HTTP_PROT: unknown variable; did you mean BERTH_HTTP_PORT (http.port)?',
    ]);
  });

  it('refuses an S3 part size beyond what the S3 adapter takes', () => {
    expect(
      problems({
        BERTH_BLOBS_DRIVER: 's3',
        BERTH_BLOBS_S3_BUCKET: 'b',
        BERTH_BLOBS_S3_PART_SIZE: String(2 ** 31),
      }),
    ).toEqual([
      'blobs.s3.partSize (BERTH_BLOBS_S3_PART_SIZE): at most 1073741824 bytes (1 GiB): parts are held in memory',
    ]);
  });

  it("requires the chosen driver's options and checks, without requiring, every other driver's", () => {
    expect(problems({ BERTH_METADATA_DRIVER: 'postgres', BERTH_COORDINATOR_DRIVER: 'redis' })).toEqual([
      'metadata.postgres.url (BERTH_METADATA_POSTGRES_URL): required when metadata.driver is postgres',
      'coordinator.redis.url (BERTH_COORDINATOR_REDIS_URL): required when coordinator.driver is redis',
    ]);
    // One file may hold every driver's options, as config/berth.example.yaml does.
    const file = configFile('blobs:\n  driver: filesystem\n  s3:\n    region: eu-west-1\n');
    expect(loadConfig({ BERTH_CONFIG: file, BERTH_METADATA_POSTGRES_URL: 'postgres://db' }).blobs).toEqual({
      driver: 'filesystem',
      redirectExpirySeconds: 1200,
      filesystem: { root: './data/blobs' },
      s3: expect.objectContaining({ region: 'eu-west-1' }),
    });
    expect(problems({ BERTH_BLOBS_S3_PART_SIZE: '1024' })).toEqual([
      "blobs.s3.partSize (BERTH_BLOBS_S3_PART_SIZE): at least 5242880 bytes (5 MiB), S3's smallest part",
    ]);
    expect(problems({ BERTH_BLOBS_DRIVER: 'gcs' })).toEqual([
      'blobs.driver (BERTH_BLOBS_DRIVER): expected filesystem or s3',
    ]);
  });

  describe('Kubernetes service links', () => {
    // What the kubelet sets for Services named berth (port 5000, named http) and berth-metrics.
    const links = {
      BERTH_SERVICE_HOST: '10.96.12.7',
      BERTH_SERVICE_PORT: '5000',
      BERTH_SERVICE_PORT_HTTP: '5000',
      BERTH_PORT: 'tcp://10.96.12.7:5000',
      BERTH_PORT_5000_TCP: 'tcp://10.96.12.7:5000',
      BERTH_PORT_5000_TCP_PROTO: 'tcp',
      BERTH_PORT_5000_TCP_PORT: '5000',
      BERTH_PORT_5000_TCP_ADDR: '10.96.12.7',
      BERTH_METRICS_SERVICE_HOST: 'fd00:10:96::1f',
      BERTH_METRICS_SERVICE_PORT: '9090',
      BERTH_METRICS_PORT: 'tcp://[fd00:10:96::1f]:9090',
      BERTH_METRICS_PORT_9090_TCP_ADDR: 'fd00:10:96::1f',
    };

    it('are ignored, and listed for the caller to log', () => {
      const { config, ignoredVariables } = loadConfigWithNotes({ ...links, BERTH_HTTP_PORT: '6000' });
      expect(config.http.port).toBe(6000);
      expect(ignoredVariables).toEqual(Object.keys(links).sort());
      expect(loadConfigWithNotes({}).ignoredVariables).toEqual([]);
    });

    it("are ignored, as the test tooling's variables are", () => {
      expect(loadConfigWithNotes({ BERTH_TEST_S3: 's3rver', BERTH_FUZZ_SEED: '7' }).ignoredVariables).toEqual(
        ['BERTH_FUZZ_SEED', 'BERTH_TEST_S3'],
      );
    });

    it('are told apart from misspelt settings by their values', () => {
      expect(problems({ BERTH_HTP_PORT: '6000' })).toEqual([
        'BERTH_HTP_PORT: unknown variable; did you mean BERTH_HTTP_PORT (http.port)?',
      ]);
    });

    it("name the Service whose link took a setting's variable", () => {
      expect(problems({ BERTH_HTTP_PORT: 'tcp://10.96.3.4:80' })).toEqual([
        expect.stringMatching(
          /^http\.port \(BERTH_HTTP_PORT\): .*looks like the service link of a Service named berth-http: set enableServiceLinks: false/,
        ),
      ]);
    });
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
