import { spawn, type SpawnOptionsWithoutStdio } from 'node:child_process';
import { CLI_MAIN } from './cli-build';

/** What a process printed and how it ended (-1: killed by a signal). */
export interface ProcessOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `command` to its end, feeding it `stdin`, and collects what it printed. */
export function runToEnd(
  command: string,
  args: readonly string[],
  options: SpawnOptionsWithoutStdio,
  stdin = '',
): Promise<ProcessOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, options);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** Runs the built `berth` binary with only the environment given (and PATH), feeding it `stdin`. */
export function runBerth(
  env: NodeJS.ProcessEnv,
  args: readonly string[],
  stdin = '',
): Promise<ProcessOutcome> {
  return runToEnd(process.execPath, [CLI_MAIN, ...args], { env: { PATH: process.env.PATH, ...env } }, stdin);
}
