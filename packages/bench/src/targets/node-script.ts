import { join } from 'node:path';
import { startChild, type Child } from '../process/child';

/** Runs one of this package's TypeScript entry points as a Node process of its own. */
export function startScript(file: string, env: NodeJS.ProcessEnv): Child {
  return startChild(
    process.execPath,
    ['-r', require.resolve('esbuild-register'), join(__dirname, file)],
    env,
  );
}

/** Waits for the `{"port":N}` line an entry point prints once it listens. */
export async function announcedPort(child: Child, name: string, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = /\{"port":(\d+)\}/.exec(child.output());
    if (match) return Number(match[1]);
    if (child.exited()) throw new Error(`${name} exited while starting:\n${child.output()}`);
    if (Date.now() > deadline)
      throw new Error(`${name} not listening after ${timeoutMs} ms:\n${child.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
