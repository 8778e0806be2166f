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

const BYTE_UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** A size for people: bytes below 1 KiB, else one decimal of the largest binary unit it reaches. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

const DURATION_UNITS: readonly (readonly [name: string, seconds: number])[] = [
  ['d', 86_400],
  ['h', 3_600],
  ['m', 60],
  ['s', 1],
];

/**
 * A duration for people: milliseconds below a second, tenths of a second below 10 s, else its
 * two largest units (`1d 2h`, `5m 3s`).
 */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  if (seconds < 1) return `${Math.max(1, Math.round(seconds * 1000))}ms`;
  if (seconds < 10) return `${Math.round(seconds * 10) / 10}s`;
  const whole = Math.round(seconds);
  const index = DURATION_UNITS.findIndex(([, size]) => whole >= size);
  const [name, size] = DURATION_UNITS[index] ?? ['s', 1];
  const parts = [`${Math.floor(whole / size)}${name}`];
  const [nextName, nextSize] = DURATION_UNITS[index + 1] ?? [];
  const next = nextSize === undefined ? 0 : Math.floor((whole % size) / nextSize);
  if (next > 0) parts.push(`${next}${nextName}`);
  return parts.join(' ');
}
