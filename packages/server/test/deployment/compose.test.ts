import { parse } from 'yaml';
import { readRepoFile } from './support/repo';
import { isTree, type Tree } from './support/tree';

interface Service {
  image?: string;
  restart?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  healthcheck?: { test?: unknown; disable?: boolean };
  depends_on?: Record<string, { condition?: string }>;
}

const compose = parse(readRepoFile('docker-compose.yml'), { merge: true }) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const services = Object.entries(compose.services);
const berth = compose.services.berth as Service;
const berthEnv = berth.environment ?? {};

/** One-shot jobs say so with restart: 'no'; everything else runs for the stack's lifetime. */
const longRunning = services.filter(([, service]) => service.restart !== 'no');

/** `source:target[:mode]`, source a name (a named volume) or a path (a bind mount). */
function mounts(service: Service) {
  return (service.volumes ?? []).map((spec) => {
    const [source = '', target = ''] = spec.split(':');
    return { source, target, named: !/^[./~]/.test(source) };
  });
}

/** The value of `--flag=value` or `flag value` in a command. */
function argument(service: Service, flag: string): string | undefined {
  const command = service.command ?? [];
  const inline = command.find((word) => word.startsWith(`${flag}=`));
  return inline ? inline.slice(flag.length + 1) : command[command.indexOf(flag) + 1];
}

describe('docker-compose.yml', () => {
  it('has a healthcheck for every long-running service', () => {
    expect(longRunning.length).toBeGreaterThanOrEqual(5);
    const unchecked = longRunning.filter(
      ([, service]) => !service.healthcheck?.test || service.healthcheck.disable,
    );
    expect(unchecked.map(([name]) => name)).toEqual([]);
  });

  it('keeps state in named volumes that are all declared and used', () => {
    const declared = Object.keys(compose.volumes ?? {});
    const used = services.flatMap(([, service]) =>
      mounts(service)
        .filter((m) => m.named)
        .map((m) => m.source),
    );
    expect([...new Set(used)].sort()).toEqual([...declared].sort());
    // Where each store writes, as its own command or image says.
    const stateDirs: [string, string | undefined][] = [
      ['postgres', '/var/lib/postgresql/data'],
      ['minio', argument(compose.services.minio as Service, 'server')],
      ['prometheus', argument(compose.services.prometheus as Service, '--storage.tsdb.path')],
    ];
    for (const [name, dir] of stateDirs) {
      const mount = mounts(compose.services[name] as Service).find((m) => m.target === dir);
      expect({ name, named: mount?.named }).toEqual({ name, named: true });
    }
  });

  it("creates Berth's bucket in MinIO before Berth starts", () => {
    const bucket = berthEnv.BERTH_BLOBS_S3_BUCKET;
    const endpoint = new URL(String(berthEnv.BERTH_BLOBS_S3_ENDPOINT));
    const creators = services.filter(([, service]) => service.command?.includes('mb'));
    expect(creators).toHaveLength(1);
    const [creatorName, creator] = creators[0] as [string, Service];
    const alias = String(creator.command?.find((word) => word.endsWith(`/${bucket}`))).split('/')[0];
    // The mc alias must name the endpoint and the credentials Berth uses.
    const target = new URL(String(creator.environment?.[`MC_HOST_${alias}`]));
    expect([target.host, target.username, target.password]).toEqual([
      endpoint.host,
      berthEnv.BERTH_BLOBS_S3_ACCESS_KEY_ID,
      berthEnv.BERTH_BLOBS_S3_SECRET_ACCESS_KEY,
    ]);
    expect(berth.depends_on?.[creatorName]?.condition).toBe('service_completed_successfully');
  });

  it('has Prometheus scrape Berth at its compose address and port', () => {
    const prometheus = compose.services.prometheus as Service;
    const configPath = argument(prometheus, '--config.file');
    const mounted = mounts(prometheus).find((m) => m.target === configPath);
    expect(mounted?.source).toBe('./deploy/prometheus.yml');
    const config = parse(readRepoFile('deploy/prometheus.yml')) as { scrape_configs?: unknown[] };
    const targets = (config.scrape_configs ?? []).filter(isTree).flatMap((job: Tree) =>
      (Array.isArray(job.static_configs) ? job.static_configs : [])
        .filter(isTree)
        .flatMap((c: Tree) => (Array.isArray(c.targets) ? c.targets : []))
        .map((target) => ({ target, path: job.metrics_path ?? '/metrics' })),
    );
    expect(targets).toContainEqual({ target: `berth:${berthEnv.BERTH_HTTP_PORT}`, path: '/metrics' });
  });
});
