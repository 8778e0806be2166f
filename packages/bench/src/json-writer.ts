import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FloorResult } from './floors';
import type { BenchResult } from './results';

/** Writes every run of a benchmark, its summary targets included, as one JSON file; returns its path. */
export async function writeResultJson(
  outDir: string,
  result: BenchResult,
  floors: FloorResult[],
): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const stamp = result.startedAt.replace(/[:.]/g, '-');
  const path = join(outDir, `bench-${result.options.smoke ? 'smoke-' : ''}${stamp}.json`);
  await writeFile(path, `${JSON.stringify({ ...result, floors }, null, 2)}\n`);
  return path;
}

/** A run written by writeResultJson, for printing its report again (the targets are evaluated anew). */
export async function readResultJson(path: string): Promise<BenchResult> {
  const parsed = JSON.parse(await readFile(path, 'utf8')) as BenchResult & { format?: string };
  if (parsed.format !== 'berth-bench/1')
    throw new Error(`${path} is not a benchmark result (format berth-bench/1)`);
  return parsed;
}
