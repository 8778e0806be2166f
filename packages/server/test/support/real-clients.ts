import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a finished client printed. */
export interface ClientOutput {
  stdout: Buffer;
  stderr: string;
}

/** Runs a client to completion; a non-zero exit or a timeout rejects with the command line and its stderr. */
export function runClient(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<ClientOutput> {
  const line = [command, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timeoutMs = options.timeoutMs ?? 120_000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${line}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const errText = Buffer.concat(stderr).toString();
      const outcome = timedOut ? `timed out after ${timeoutMs} ms` : `exited with ${signal ?? code}`;
      if (code === 0) resolve({ stdout: Buffer.concat(stdout), stderr: errText });
      else reject(new Error(`${line} ${outcome}\n--- stderr ---\n${errText}`));
    });
  });
}

/** The last line a client printed on stdout, where buildah and podman put IDs after any progress. */
export function lastLine(output: ClientOutput): string {
  return output.stdout.toString().trim().split('\n').pop() ?? '';
}

/** A client's stdout parsed as JSON of the shape the caller expects. */
export function jsonOf<T>(output: ClientOutput): T {
  return JSON.parse(output.stdout.toString()) as T;
}

/** `host:port` of a registry base URL, as image references spell it. */
export function registryHost(url: string): string {
  return new URL(url).host;
}

/** A `docker://` transport reference to a repository and tag or digest on a registry. */
export function dockerRef(url: string, nameAndReference: string): string {
  return `docker://${registryHost(url)}/${nameAndReference}`;
}

/**
 * A scratch directory for the containers/image clients (skopeo, buildah, podman): its own
 * containers.conf, registries.conf and temp dir, and image stores under it. Root-run clients
 * otherwise write /var/lib/containers/storage, /etc/cni and /var/tmp. Two small files stay
 * global because containers/image hard-codes them for root: the blob-info cache
 * (/var/lib/containers/cache) and the short-name alias lock (/var/cache/containers).
 */
export class ClientWorkspace {
  private constructor(
    readonly dir: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Creates the directory and its configuration files. */
  static async create(): Promise<ClientWorkspace> {
    // Lowercase on purpose: podman names an image loaded from an OCI layout after the layout's
    // path, and image names must be lowercase.
    const dir = join(tmpdir(), `berth-e2e-${randomBytes(6).toString('hex')}`);
    await mkdir(join(dir, 'tmp'), { recursive: true });
    await writeFile(
      join(dir, 'containers.conf'),
      // A private network config dir stops buildah and podman creating a CNI lock in /etc/cni.
      `[network]\nnetwork_config_dir = "${join(dir, 'networks')}"\n` +
        `[engine]\nevents_logger = "none"\ncgroup_manager = "cgroupfs"\n`,
    );
    // Every reference in the tests is fully qualified: no search registries, no short-name prompts.
    await writeFile(
      join(dir, 'registries.conf'),
      'unqualified-search-registries = []\nshort-name-mode = "disabled"\n',
    );
    const env = {
      ...process.env,
      CONTAINERS_CONF: join(dir, 'containers.conf'),
      CONTAINERS_REGISTRIES_CONF: join(dir, 'registries.conf'),
      TMPDIR: join(dir, 'tmp'),
    };
    return new ClientWorkspace(dir, env);
  }

  /** A path inside the workspace. */
  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  /** Runs skopeo. */
  skopeo(args: string[]): Promise<ClientOutput> {
    return runClient('skopeo', args, { env: this.env });
  }

  /**
   * Copies an image with skopeo over plain HTTP. --preserve-digests makes skopeo fail rather
   * than recompress or convert, so what arrives is byte for byte what was sent.
   */
  skopeoCopy(from: string, to: string, flags: string[] = []): Promise<ClientOutput> {
    const tls = ['--src-tls-verify=false', '--dest-tls-verify=false'];
    return this.skopeo(['copy', '--preserve-digests', ...tls, ...flags, from, to]);
  }

  /** Runs `skopeo inspect` on an image of a plain-HTTP registry. */
  skopeoInspect(reference: string, flags: string[] = []): Promise<ClientOutput> {
    return this.skopeo(['inspect', '--tls-verify=false', ...flags, reference]);
  }

  /** Runs buildah on a named image store of this workspace (vfs, so no kernel overlay support is needed). */
  buildah(store: string, args: string[]): Promise<ClientOutput> {
    return runClient('buildah', [...this.storageFlags(store), ...args], { env: this.env });
  }

  /** Runs podman on a named image store of this workspace, with its own libpod temp dir. */
  podman(store: string, args: string[]): Promise<ClientOutput> {
    const flags = [...this.storageFlags(store), '--tmpdir', this.path('stores', store, 'libpod')];
    return runClient('podman', [...flags, ...args], { env: this.env });
  }

  /** Deletes everything the clients wrote. */
  remove(): Promise<void> {
    return rm(this.dir, { recursive: true, force: true });
  }

  private storageFlags(store: string): string[] {
    const base = this.path('stores', store);
    return ['--root', join(base, 'root'), '--runroot', join(base, 'run'), '--storage-driver', 'vfs'];
  }
}

/** Registers hooks creating a client workspace before a describe block's tests and removing it after. */
export function useClientWorkspace(): () => ClientWorkspace {
  let workspace: ClientWorkspace | undefined;
  beforeAll(async () => {
    workspace = await ClientWorkspace.create();
  });
  afterAll(async () => {
    await workspace?.remove();
  });
  return () => {
    if (!workspace) throw new Error('client workspace not created');
    return workspace;
  };
}

/** Paths of a private containerd instance. */
interface ContainerdPaths {
  config: string;
  socket: string;
  log: string;
}

// Everything containerd writes goes under `dir`: the opt plugin would otherwise create
// /opt/containerd, and the CRI plugin would want a CNI setup this machine does not have.
function writeContainerdConfig(dir: string): ContainerdPaths {
  const paths = {
    config: join(dir, 'config.toml'),
    socket: join(dir, 'containerd.sock'),
    log: join(dir, 'log'),
  };
  writeFileSync(
    paths.config,
    [
      'version = 2',
      `root = "${join(dir, 'root')}"`,
      `state = "${join(dir, 'state')}"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      '[grpc]',
      `address = "${paths.socket}"`,
      '[ttrpc]',
      `address = "${join(dir, 'containerd-ttrpc.sock')}"`,
      '[plugins."io.containerd.internal.v1.opt"]',
      `path = "${join(dir, 'opt')}"`,
      '',
    ].join('\n'),
  );
  return paths;
}

// A short base keeps the socket path under the 108-byte limit of unix socket addresses.
const containerdDir = (): string => mkdtempSync('/tmp/berth-ctd-');

/**
 * Why a private containerd daemon cannot run here (for example without root, or where the
 * sandbox forbids what it needs), or undefined when it can. Synchronous so that a test file
 * can decide at load time whether to skip.
 */
export function containerdUnavailable(): string | undefined {
  const dir = containerdDir();
  try {
    const paths = writeContainerdConfig(dir);
    const script = [
      'containerd --config "$1" >"$3" 2>&1 & pid=$!',
      'for _ in $(seq 100); do',
      '  if ctr --address "$2" version >/dev/null 2>&1; then kill $pid; wait $pid; exit 0; fi',
      '  kill -0 $pid 2>/dev/null || break',
      '  sleep 0.1',
      'done',
      'kill $pid 2>/dev/null; wait $pid; tail -n 3 "$3"; exit 1',
    ].join('\n');
    const result = spawnSync('sh', ['-c', script, 'probe', paths.config, paths.socket, paths.log], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    if (result.error) return `containerd probe failed: ${result.error.message}`;
    return result.status === 0 ? undefined : `containerd did not start: ${result.stdout.trim()}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A running private containerd daemon. */
export interface Containerd {
  /** Runs ctr against this daemon. */
  ctr(args: string[]): Promise<ClientOutput>;
  stop(): Promise<void>;
}

/** Starts containerd with its root, state and sockets in a temp dir, and waits until it answers. */
export async function startContainerd(): Promise<Containerd> {
  const dir = containerdDir();
  const paths = writeContainerdConfig(dir);
  const log = openSync(paths.log, 'w');
  const daemon = spawn('containerd', ['--config', paths.config], { stdio: ['ignore', log, log] });
  closeSync(log);
  let running = true;
  const exited = new Promise<void>((resolve) => {
    daemon.on('exit', () => resolve());
    daemon.on('error', () => resolve());
  }).then(() => {
    running = false;
  });
  const ctr = (args: string[]) => runClient('ctr', ['--address', paths.socket, ...args]);
  const stop = async () => {
    if (running) daemon.kill('SIGTERM');
    const killer = setTimeout(() => daemon.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
    await rm(dir, { recursive: true, force: true });
  };
  for (let attempt = 0; attempt < 150; attempt++) {
    if (!running) break;
    try {
      await ctr(['version']);
      return { ctr, stop };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const output = await readFile(paths.log, 'utf8').catch(() => '');
  await stop();
  throw new Error(`containerd did not start\n${output.split('\n').slice(-10).join('\n')}`);
}
