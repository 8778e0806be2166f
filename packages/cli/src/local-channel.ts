import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { request } from 'node:http';
import { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { dataDirectorySocket, DataDirectoryInUseError, findDataDirectoryHolder } from '@berth/metadata-store';
import { ConfigError, loadConfig, metadataStoreConfig } from '@berth/server';
import { CommandError, PASSWORD_OPTION, reportError, type Command, type CommandContext } from './command';
import { readNewPassword } from './commands/access/password';

/**
 * A registry on the embedded default holds its PGlite data directory, which no other process may
 * open. CLI commands on its metadata are sent to it instead, over the directory's socket (which
 * only the directory's owner can reach), and it runs them on the store it holds open: the same
 * commands, on the same data, with nothing written behind its back.
 */

/** Runs a command line in this process, with the context given; returns its exit code. */
export type CommandRunner = (argv: string[], context: CommandContext) => Promise<number>;

/** What a running registry lends the commands it runs for others: its store and its garbage collection. */
export type LentServices = Required<Pick<CommandContext, 'store' | 'gc'>>;

const COMMANDS_PATH = '/v1/commands';
// Enough for any command line and a password; the channel never takes more.
const MAX_REQUEST_BYTES = 64 * 1024;
// A registry starting (migrations) or stopping (draining) answers 503 meanwhile.
const WAIT_FOR_HOLDER_MS = 30_000;
const RETRY_MS = 200;

interface ForwardedCommand {
  argv: string[];
  stdin: string;
}

interface CommandOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `command` (named in `argv`, the whole command line) through the process holding the
 * configured embedded data directory, waiting
 * while that process starts or stops; undefined when no process holds it, so the caller runs the
 * command here.
 */
export async function runThroughHolder(
  command: Command,
  argv: string[],
  context: CommandContext,
): Promise<number | undefined> {
  try {
    const dataDir = embeddedDataDir(context.env);
    if (dataDir === undefined) return undefined;
    const deadline = Date.now() + WAIT_FOR_HOLDER_MS;
    let forwarded: ForwardedCommand | undefined;
    for (;;) {
      const holder = await findDataDirectoryHolder(dataDir);
      if (!holder) return undefined;
      // Asked only once a holder is found: a command run here reads its own password.
      forwarded ??= await forwardedCommand(command, argv, context);
      const outcome = await send(dataDirectorySocket(dataDir), forwarded);
      if (outcome) {
        context.stdout.write(outcome.stdout);
        context.stderr.write(outcome.stderr);
        return outcome.exitCode;
      }
      if (Date.now() > deadline) {
        throw new CommandError(
          `${new DataDirectoryInUseError(dataDir, holder).message}, and it does not run commands ` +
            'for others: try again once it has finished',
        );
      }
      await sleep(RETRY_MS);
    }
  } catch (error) {
    return reportError(error, command.name, context);
  }
}

/** The PGlite data directory the environment configures; undefined with PostgreSQL. */
function embeddedDataDir(env: NodeJS.ProcessEnv): string | undefined {
  let config;
  try {
    config = metadataStoreConfig(loadConfig(env));
  } catch (error) {
    // The command itself reports a bad configuration, as it would with no registry running.
    if (error instanceof ConfigError) return undefined;
    throw error;
  }
  return config.driver === 'pglite' ? config.dataDir : undefined;
}

/**
 * The command line as the holder runs it. A password is read here, typed at this terminal or
 * from this stdin, and passed on as the holder's stdin: the holder has no terminal to prompt at.
 */
async function forwardedCommand(command: Command, argv: string[], context: CommandContext) {
  if (!command.readsPassword) return { argv, stdin: '' };
  const flag = `--${PASSWORD_OPTION}`;
  const password = await readNewPassword(context, argv.includes(flag));
  return { argv: argv.includes(flag) ? argv : [...argv, flag], stdin: `${password}\n` };
}

/** The holder's outcome of the command; undefined when it cannot run commands right now. */
function send(socketPath: string, forwarded: ForwardedCommand): Promise<CommandOutcome | undefined> {
  const body = JSON.stringify(forwarded);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        path: COMMANDS_PATH,
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        readBody(res).then((text) => {
          if (res.statusCode === 200) resolve(JSON.parse(text ?? '') as CommandOutcome);
          else if (res.statusCode === 503 || res.statusCode === 404) resolve(undefined);
          else reject(new CommandError(`the running registry could not run the command: ${text ?? ''}`));
        }, reject);
      },
    );
    // The holder stopped between being found and being asked: look again.
    req.on('error', () => resolve(undefined));
    req.end(body);
  });
}

/**
 * The holder's side: runs forwarded command lines with `run` on the services `lent` returns,
 * answering 503 while there are none (the registry is starting or stopping).
 */
export function commandChannel(
  run: CommandRunner,
  env: NodeJS.ProcessEnv,
  lent: () => LentServices | undefined,
): RequestListener {
  return (req, res) => {
    if (req.method !== 'POST' || req.url !== COMMANDS_PATH) {
      reply(res, 404, { error: 'not found' });
      return;
    }
    runForwarded(req, run, env, lent).then(
      ([status, answer]) => reply(res, status, answer),
      (error: unknown) => reply(res, 500, { error: (error as Error).message }),
    );
  };
}

async function runForwarded(
  req: IncomingMessage,
  run: CommandRunner,
  env: NodeJS.ProcessEnv,
  lent: () => LentServices | undefined,
): Promise<[number, object]> {
  const forwarded = parseForwarded(await readBody(req, MAX_REQUEST_BYTES));
  if (!forwarded) return [400, { error: 'expected {"argv": [strings], "stdin": string}' }];
  const services = lent();
  if (!services) return [503, { error: 'the registry is not serving' }];
  const stdout = new TextSink();
  const stderr = new TextSink();
  const stdin = Readable.from(forwarded.stdin ? [forwarded.stdin] : []);
  const exitCode = await run(forwarded.argv, { env, stdin, stdout, stderr, ...services });
  return [200, { exitCode, stdout: stdout.text, stderr: stderr.text } satisfies CommandOutcome];
}

function parseForwarded(text: string | undefined): ForwardedCommand | undefined {
  if (text === undefined) return undefined;
  try {
    const { argv, stdin } = JSON.parse(text) as Partial<ForwardedCommand>;
    const valid =
      Array.isArray(argv) && argv.every((arg) => typeof arg === 'string') && typeof stdin === 'string';
    return valid ? { argv, stdin } : undefined;
  } catch {
    return undefined;
  }
}

/** The body as text; undefined past `limit` bytes. */
async function readBody(stream: Readable, limit = Infinity): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function reply(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

/** A stream that keeps what is written to it, as text. */
class TextSink extends Writable {
  #text = '';

  get text(): string {
    return this.#text;
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.#text += chunk.toString();
    callback();
  }
}
