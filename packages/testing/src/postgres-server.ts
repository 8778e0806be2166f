import { execFile, execFileSync } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Folder of initdb and pg_ctl; BERTH_TEST_POSTGRES_BIN overrides Debian's PostgreSQL 15. */
const BIN = process.env.BERTH_TEST_POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';
// PostgreSQL refuses to run as root; as root the server and its tools run as this user.
const SERVER_USER = 'postgres';
const START_TIMEOUT_SECONDS = 60;

/** How a stop ends the server: `fast` disconnects clients and shuts down cleanly, `immediate` is a crash. */
export type PostgresStopMode = 'fast' | 'immediate';

/** A PostgreSQL server of its own, in a temporary folder, with trust authentication. */
export interface PostgresServer {
  /** URL of the `postgres` database as the `postgres` superuser. */
  readonly url: string;
  readonly port: number;
  /** Starts the server again on the same port and data after a stop; no-op when running. */
  start(): Promise<void>;
  /** Stops the server, keeping its data; connected clients are cut off. */
  stop(mode?: PostgresStopMode): Promise<void>;
  /** Stops then starts the server. */
  restart(mode?: PostgresStopMode): Promise<void>;
  /** Stops the server and removes its folder; idempotent. */
  destroy(): Promise<void>;
}

/** Creates a cluster with initdb and starts it on 127.0.0.1:`port`, resolving once it accepts connections. */
export async function startPostgresServer({ port }: { port: number }): Promise<PostgresServer> {
  const folder = await mkdtemp(join(tmpdir(), 'berth-postgres-'));
  const dataDir = join(folder, 'data');
  const asServerUser = process.getuid?.() === 0;
  if (asServerUser) await chown(folder, ...(await idsOf(SERVER_USER)));
  const pgCtl = (args: string[]) => tool('pg_ctl', ['-D', dataDir, ...args], asServerUser);

  await tool(
    'initdb',
    ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'],
    asServerUser,
  );
  // The socket goes in the cluster's own folder: the system one may belong to another server.
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${folder} -c fsync=off -c max_connections=200`;
  let running = false;
  // A test that fails before destroy() must not leave a server holding the port after the run.
  const killOnExit = (): void => {
    if (!running) return;
    try {
      execFileSync(...command('pg_ctl', ['-D', dataDir, 'stop', '-m', 'immediate'], asServerUser), {
        stdio: 'ignore',
      });
    } catch {
      // Already gone.
    }
  };
  process.on('exit', killOnExit);

  const start = async (): Promise<void> => {
    if (running) return;
    await pgCtl([
      'start',
      '-w',
      '-t',
      String(START_TIMEOUT_SECONDS),
      '-l',
      join(folder, 'server.log'),
      '-o',
      options,
    ]);
    running = true;
  };
  const stop = async (mode: PostgresStopMode = 'fast'): Promise<void> => {
    if (!running) return;
    await pgCtl(['stop', '-w', '-m', mode]);
    running = false;
  };

  try {
    await start();
  } catch (error) {
    process.removeListener('exit', killOnExit);
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start,
    stop,
    async restart(mode) {
      await stop(mode);
      await start();
    },
    async destroy() {
      await stop('immediate');
      process.removeListener('exit', killOnExit);
      await rm(folder, { recursive: true, force: true });
    },
  };
}

/** A PostgreSQL tool's command line, through runuser when it must not run as root. */
function command(name: string, args: string[], asServerUser: boolean): [string, string[]] {
  const binary = join(BIN, name);
  return asServerUser ? ['runuser', ['-u', SERVER_USER, '--', binary, ...args]] : [binary, args];
}

async function tool(name: string, args: string[], asServerUser: boolean): Promise<void> {
  const [file, argv] = command(name, args, asServerUser);
  try {
    await run(file, argv, { timeout: (START_TIMEOUT_SECONDS + 10) * 1000 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${name} ${args.join(' ')} failed: ${(error as Error).message}\n${stdout}${stderr}`, {
      cause: error,
    });
  }
}

async function idsOf(user: string): Promise<[number, number]> {
  const { stdout: uid } = await run('id', ['-u', user]);
  const { stdout: gid } = await run('id', ['-g', user]);
  return [Number(uid.trim()), Number(gid.trim())];
}
