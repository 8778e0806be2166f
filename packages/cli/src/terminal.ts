import { createInterface } from 'node:readline';
import { Writable, type Readable } from 'node:stream';
import { CommandError } from './command';

/** The first line of `input` without its line break; undefined when the input ends before any. */
export async function readFirstLine(input: Readable): Promise<string | undefined> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  // Leaving the loop closes the interface, which stops reading.
  for await (const line of lines) return line;
  return undefined;
}

/**
 * Reads a line typed at the terminal without showing it. readline puts the terminal in raw mode
 * and does the line editing; its echo goes to a stream that discards it.
 */
export function promptHidden(input: Readable, output: Writable, prompt: string): Promise<string> {
  output.write(prompt);
  const discard = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  const lines = createInterface({ input, output: discard, terminal: true });
  return new Promise((resolve, reject) => {
    let answered = false;
    const finish = (settle: () => void) => {
      answered = true;
      output.write('\n');
      lines.close();
      settle();
    };
    lines.once('line', (line) => finish(() => resolve(line)));
    // In raw mode Ctrl-C reaches readline as a key, not as a signal to the process.
    lines.once('SIGINT', () => finish(() => reject(new CommandError('interrupted', 130))));
    lines.once('close', () => {
      if (!answered) finish(() => reject(new CommandError('cancelled')));
    });
  });
}
