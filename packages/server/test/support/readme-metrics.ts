import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const README = join(__dirname, '../../../../README.md');

/**
 * The metrics the README's "### Metrics" section documents, with the type it gives each: every
 * table row whose first cell names metrics in backticks and whose second cell is their type.
 */
export function documentedMetrics(): Map<string, string> {
  const readme = readFileSync(README, 'utf8');
  const start = readme.indexOf('\n### Metrics\n');
  if (start < 0) throw new Error('the README has no "### Metrics" section');
  const end = readme.slice(start + 1).search(/\n#{2,3} /);
  const section = end < 0 ? readme.slice(start) : readme.slice(start, start + 1 + end);
  const documented = new Map<string, string>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    if (cells.length < 4) continue;
    const [, names = '', type = ''] = cells;
    for (const [, name] of names.matchAll(/`(berth_\w+)`/g)) documented.set(name as string, type);
  }
  return documented;
}
