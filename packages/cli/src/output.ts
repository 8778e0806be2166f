import type { Writable } from 'node:stream';

export function writeLine(stream: Writable, text = ''): void {
  stream.write(`${text}\n`);
}

/** Rows of cells as aligned columns two spaces apart; the last column is not padded. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function writeJson(stream: Writable, value: unknown): void {
  writeLine(stream, JSON.stringify(value, null, 2));
}

/** Breaks text into lines of at most `width` characters at spaces; words longer than that stay whole. */
export function wrap(text: string, width = 80): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return [...lines, line].join('\n');
}
