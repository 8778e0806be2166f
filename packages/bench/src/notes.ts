import type { BenchOptions } from './options';
import type { Failure } from './results';
import type { RegistryTarget } from './targets/registry-target';

/** What a reader of the figures must know about how they were made. */
export function addNotes(
  options: BenchOptions,
  started: RegistryTarget[],
  failures: Failure[],
  notes: string[],
): void {
  const { tagCounts, tagHttpMax } = options.sizes;
  if (started.some((t) => t.flavor === 'berth') && tagCounts.some((count) => count > tagHttpMax)) {
    notes.push(
      `Berth's repositories of more than ${tagHttpMax.toLocaleString('en-US')} tags were filled by one INSERT in its ` +
        "PostgreSQL database (then ANALYZE); its others, and all of Distribution's, by manifest PUTs over HTTP.",
    );
  }
  if (started.some((t) => t.flavor === 'distribution')) {
    notes.push(
      'Distribution 2.8 ignores n and last on tags/list: its "first page" is the whole list and its walk one request.',
    );
  }
  if (failures.some((f) => f.target === 'distribution-s3' && f.error.includes('NotImplemented'))) {
    notes.push(
      "distribution-s3 fails on s3rver: resuming an upload, Distribution's S3 driver lists multipart uploads " +
        '(GET ?uploads), which s3rver answers 501 NotImplemented; no blob can be stored, so no image either.',
    );
  }
  if (options.berthWorkers > 1)
    notes.push(`Berth ran ${options.berthWorkers} worker processes per pod (http.workers).`);
}
