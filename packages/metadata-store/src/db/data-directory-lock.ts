import { rmSync } from 'node:fs';
import { chmod, open, rm, stat } from 'node:fs/promises';
import { createServer, get, type RequestListener, type Server } from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The process holding a data directory, as it describes itself to whoever asks. */
export interface DataDirectoryHolder {
  pid: number;
  /** What the holder runs, e.g. `berth serve`. */
  command: string;
  /** When it took the directory (ISO 8601). */
  since: string;
}

/** Another live process holds the data directory. */
export class DataDirectoryInUseError extends Error {
  constructor(
    readonly dataDir: string,
    /** Undefined when the holder accepts connections but does not say who it is in time. */
    readonly holder: DataDirectoryHolder | undefined,
  ) {
    const who = holder
      ? `${holder.command} (pid ${holder.pid}, since ${holder.since})`
      : 'a process that does not answer';
    super(`the data directory ${dataDir} is in use by ${who}; only one process may open it`);
    this.name = new.target.name;
  }
}

const SOCKET_NAME = 'berth.sock';
// Present only while a process removes a dead holder's socket; older than this, its maker died.
const TAKEOVER_NAME = 'berth.sock.takeover';
const TAKEOVER_STALE_MS = 10_000;
const HOLDER_PATH = '/holder';
const ASK_TIMEOUT_MS = 2_000;
// sockaddr_un holds 108 bytes on Linux, the terminating NUL included.
const MAX_SOCKET_PATH_BYTES = 107;

/**
 * The one writer of a data directory. PGlite runs PostgreSQL inside the process without its
 * postmaster lock, so two processes opening one directory each see only their own writes and
 * overwrite each other's. The lock is a Unix socket in the directory: binding it is atomic, a
 * live holder answers on it (with who it is, and with whatever `channel` serves), and a holder
 * that died, even by SIGKILL, leaves a socket nobody answers, which the next process replaces.
 * A PID file could not tell a dead holder from an unrelated process that reused its PID, as
 * every container's first process does.
 */
export class DataDirectoryLock {
  readonly #server: Server;
  readonly #removeOnExit: () => void;

  private constructor(server: Server, socketPath: string) {
    this.#server = server;
    // A process that exits without closing (process.exit) leaves no socket behind either.
    this.#removeOnExit = () => rmSync(socketPath, { force: true });
    process.once('exit', this.#removeOnExit);
  }

  /**
   * Takes the directory, which must exist, or throws DataDirectoryInUseError. Requests on the
   * socket other than the holder's description go to `channel` (404 without one), so the
   * holder can serve other processes that would otherwise have to open the directory.
   */
  static async acquire(
    dataDir: string,
    options: { command: string; channel?: RequestListener },
  ): Promise<DataDirectoryLock> {
    const socketPath = dataDirectorySocket(dataDir);
    const holder: DataDirectoryHolder = {
      pid: process.pid,
      command: options.command,
      since: new Date().toISOString(),
    };
    const server = createServer((req, res) => {
      if (req.method === 'GET' && req.url === HOLDER_PATH) {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(holder));
      } else if (options.channel) {
        options.channel(req, res);
      } else {
        res.writeHead(404).end();
      }
    });
    for (;;) {
      if (await tryListen(server, socketPath)) break;
      const answer = await askHolder(socketPath);
      if (answer !== 'nobody') throw new DataDirectoryInUseError(dataDir, answer);
      if (await takeOver(dataDir, socketPath, server)) break;
    }
    // The directory is the owner's alone already; this keeps the socket so should it not be.
    await chmod(socketPath, 0o600);
    return new DataDirectoryLock(server, socketPath);
  }

  async release(): Promise<void> {
    process.off('exit', this.#removeOnExit);
    this.#server.closeAllConnections();
    // Closing a Unix socket server removes its file.
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** Who holds the directory, or undefined when nobody does (or only a dead process did). */
export async function findDataDirectoryHolder(dataDir: string): Promise<DataDirectoryHolder | undefined> {
  const answer = await askHolder(dataDirectorySocket(dataDir));
  if (answer === 'nobody') return undefined;
  if (answer === undefined) throw new DataDirectoryInUseError(dataDir, undefined);
  return answer;
}

/**
 * The address of the directory's socket. Long absolute paths do not fit a socket address; the
 * same file named relative to the working directory often does.
 */
export function dataDirectorySocket(dataDir: string): string {
  const absolute = path.resolve(dataDir, SOCKET_NAME);
  for (const candidate of [absolute, path.relative(process.cwd(), absolute)]) {
    if (Buffer.byteLength(candidate) <= MAX_SOCKET_PATH_BYTES) return candidate;
  }
  throw new Error(
    `the data directory path ${path.resolve(dataDir)} is too long for its lock socket (at most ${MAX_SOCKET_PATH_BYTES - SOCKET_NAME.length - 1} bytes)`,
  );
}

/** False when the socket file exists already. */
function tryListen(server: Server, socketPath: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException) => {
      server.off('listening', succeed);
      if (error.code === 'EADDRINUSE') resolve(false);
      else reject(error);
    };
    const succeed = () => {
      server.off('error', fail);
      resolve(true);
    };
    server.once('error', fail);
    server.once('listening', succeed);
    server.listen(socketPath);
  });
}

/**
 * What the socket's holder says of itself: `nobody` when no process listens on it, undefined
 * when one accepts the connection but does not answer in time (stopped, or busy for seconds).
 */
function askHolder(socketPath: string): Promise<DataDirectoryHolder | 'nobody' | undefined> {
  return new Promise((resolve) => {
    const request = get({ socketPath, path: HOLDER_PATH, timeout: ASK_TIMEOUT_MS }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve(parseHolder(Buffer.concat(chunks).toString('utf8'))));
      response.on('error', () => resolve(undefined));
    });
    request.on('timeout', () => request.destroy(new Error('no answer')));
    request.on('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code === 'ECONNREFUSED' || error.code === 'ENOENT' ? 'nobody' : undefined);
    });
  });
}

function parseHolder(text: string): DataDirectoryHolder | undefined {
  try {
    const { pid, command, since } = JSON.parse(text) as Partial<DataDirectoryHolder>;
    if (typeof pid === 'number' && typeof command === 'string' && typeof since === 'string') {
      return { pid, command, since };
    }
  } catch {
    // Not a holder's answer: treated as a holder that does not say who it is.
  }
  return undefined;
}

/**
 * Replaces a dead holder's socket with this process's, or returns false to have the caller look
 * again. Two processes may both find the holder dead; the takeover file lets one at a time look
 * again, remove the socket and bind its own, so none removes a socket that came alive meanwhile.
 */
async function takeOver(dataDir: string, socketPath: string, server: Server): Promise<boolean> {
  const takeoverPath = path.join(dataDir, TAKEOVER_NAME);
  let marker;
  try {
    marker = await open(takeoverPath, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const age = Date.now() - (await stat(takeoverPath).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
    if (age > TAKEOVER_STALE_MS) await rm(takeoverPath, { force: true });
    else await sleep(50);
    return false;
  }
  try {
    if ((await askHolder(socketPath)) !== 'nobody') return false;
    await rm(socketPath, { force: true });
    return await tryListen(server, socketPath);
  } finally {
    await marker.close();
    await rm(takeoverPath, { force: true });
  }
}
