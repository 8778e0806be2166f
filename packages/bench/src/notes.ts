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
  const tagNote = tagSeedingNote(options, started);
  if (tagNote) notes.push(tagNote);
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
  const gc = gcNote(options, started);
  if (gc) notes.push(gc);
  if (options.berthWorkers > 1)
    notes.push(`Berth ran ${options.berthWorkers} worker processes per pod (http.workers).`);
}

/** Which repositories of the tags scenario were filled behind the registries' backs, and how. */
function tagSeedingNote(options: BenchOptions, started: RegistryTarget[]): string | undefined {
  const { tagCounts, tagHttpMax } = options.sizes;
  const tagsRan = options.only.length === 0 || options.only.includes('tags');
  if (!tagsRan || !tagCounts.some((count) => count > tagHttpMax)) return undefined;
  const idsByMethod = new Map<string, string[]>();
  for (const { id, tagSeeder } of started) {
    if (tagSeeder) idsByMethod.set(tagSeeder.method, [...(idsByMethod.get(tagSeeder.method) ?? []), id]);
  }
  if (idsByMethod.size === 0) return undefined;
  const overHttp = started.filter((target) => !target.tagSeeder).map((target) => target.id);
  return (
    `Repositories of more than ${tagHttpMax.toLocaleString('en-US')} tags were filled in the registry's own storage, ` +
    `not over HTTP: ${[...idsByMethod].map(([method, ids]) => `${ids.join(' and ')} by ${method}`).join('; ')}. ` +
    `The smaller ones${overHttp.length > 0 ? `, and all of ${overHttp.join(' and ')}'s,` : ''} by manifest PUTs over HTTP.`
  );
}

/** How the GC scenarios ran: on deployments of their own, with backlogs staged behind Berth's back. */
function gcNote(options: BenchOptions, started: RegistryTarget[]): string | undefined {
  const ran = ['gc-reclaim', 'gc-push', 'gc-head'].filter(
    (id) => options.only.length === 0 || options.only.includes(id),
  );
  if (ran.length === 0 || !started.some((target) => target.id === 'berth-fs')) return undefined;
  const staged = ran.filter((id) => id !== 'gc-head');
  return (
    `${ran.join(', ')} ran on Berth deployments of their own (as berth-fs is, with GC settings of their own), ` +
    'reported on the berth-fs row.' +
    (staged.length === 0
      ? ''
      : ` The backlogs of ${staged.join(' and ')} were staged, not pushed: objects written where the filesystem ` +
        'store keeps them, and in one PostgreSQL transaction their blob rows, links and unlinks, with the reviews ' +
        "the schema's triggers queue after pushes and blob DELETEs, made due at the commit; a blob pushed and " +
        'deleted over HTTP first checks that Berth stores blobs so.')
  );
}
