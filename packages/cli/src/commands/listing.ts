import type { CommandContext, OptionSpecs } from '../command';
import { formatTable, writeJson, writeLine } from '../output';

export const JSON_OPTION = {
  json: { type: 'boolean', help: 'print JSON instead of text, for scripts' },
} as const satisfies OptionSpecs;

export interface Column<T> {
  header: string;
  cell(item: T): string;
}

/** Prints items as a table with a header row, or with `json` as a JSON array. */
export function printListing<T>(
  context: CommandContext,
  items: readonly T[],
  columns: readonly Column<T>[],
  json: boolean | undefined,
): void {
  if (json) {
    writeJson(context.stdout, items);
    return;
  }
  const header = columns.map((column) => column.header);
  writeLine(context.stdout, formatTable([header, ...items.map((item) => columns.map((c) => c.cell(item)))]));
}

/** A time in a table: UTC to the second, or `-` for none. */
export function formatTime(time: Date | undefined): string {
  return time ? time.toISOString().replace(/\.\d+Z$/, 'Z') : '-';
}

export function yesNo(value: boolean): string {
  return value ? 'yes' : 'no';
}
