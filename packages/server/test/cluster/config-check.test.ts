import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BerthProcess, freePort } from '../support/berth-process';
import { ensureCliBuilt } from '../support/cli-build';
import { runBerth } from '../support/run-to-end';

// What the kubelet sets for a Service named berth in the pod's namespace: never a setting.
const SERVICE_LINKS = {
  BERTH_SERVICE_HOST: '10.96.12.7',
  BERTH_SERVICE_PORT: '5000',
  BERTH_PORT: 'tcp://10.96.12.7:5000',
  BERTH_PORT_5000_TCP_ADDR: '10.96.12.7',
};

// `berth config check` and `berth serve` both load the configuration through loadConfig, so an
// operator's check says exactly what the server will make of the same file and environment.
describe('berth config check and berth serve', () => {
  let dir: string;
  let embedded: Record<string, string>;

  beforeAll(async () => {
    ensureCliBuilt();
    dir = await mkdtemp(join(tmpdir(), 'berth-config-check-'));
    embedded = {
      BERTH_BLOBS_FILESYSTEM_ROOT: join(dir, 'blobs'),
      BERTH_METADATA_PGLITE_DATA_DIR: join(dir, 'metadata'),
      BERTH_LOG_LEVEL: 'warn',
    };
  }, 300_000);

  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function configFile(name: string, text: string): Promise<string> {
    const file = join(dir, name);
    await writeFile(file, text);
    return file;
  }

  it('accept the same configuration, Kubernetes service links included', async () => {
    const file = await configFile(
      'good.yaml',
      'blobs:\n  s3:\n    partSize: 16777216\nauth:\n  enabled: true\n',
    );
    const env = { ...embedded, ...SERVICE_LINKS, BERTH_CONFIG: file };
    const checked = await runBerth(env, ['config', 'check']);
    expect(checked).toMatchObject({ code: 0 });
    expect(JSON.parse(checked.stdout)).toMatchObject({
      auth: { enabled: true },
      blobs: { driver: 'filesystem' },
    });
    expect(checked.stderr).toBe(
      `note: ignored BERTH_* variables that are no settings: ${Object.keys(SERVICE_LINKS).sort().join(' ')}\n`,
    );

    const server = new BerthProcess(await freePort(), env);
    await server.start();
    server.signal('SIGTERM');
    expect(await server.exited()).toEqual({ code: 0, signal: null });
  }, 120_000);

  it.each([
    [
      'an unknown key of the file',
      { file: 'http:\n  prot: 5000\n' },
      ['http.prot (BERTH_HTTP_PROT): unknown setting; did you mean http.port (BERTH_HTTP_PORT)?'],
    ],
    [
      'an unknown variable',
      { env: { BERTH_HTTP_PROT: '5000' } },
      ['BERTH_HTTP_PROT: unknown variable; did you mean BERTH_HTTP_PORT (http.port)?'],
    ],
    [
      'a part size beyond what the S3 adapter takes',
      { file: 'blobs:\n  driver: s3\n  s3:\n    bucket: layers\n    partSize: 2147483648\n' },
      [
        'blobs.s3.partSize (BERTH_BLOBS_S3_PART_SIZE): at most 1073741824 bytes (1 GiB): parts are held in memory',
      ],
    ],
  ] as const)(
    'refuse %s with the same message',
    async (_case, given, lines) => {
      const env: Record<string, string> = { ...embedded, ...('env' in given ? given.env : {}) };
      if ('file' in given) env.BERTH_CONFIG = await configFile('bad.yaml', given.file);
      const expected = {
        code: 1,
        stdout: '',
        stderr: `error: invalid configuration:\n${lines.map((line) => `  ${line}\n`).join('')}`,
      };
      expect(await runBerth(env, ['config', 'check'])).toEqual(expected);
      expect(await runBerth({ ...env, BERTH_HTTP_PORT: String(await freePort()) }, ['serve'])).toEqual(
        expected,
      );
    },
    60_000,
  );
});
