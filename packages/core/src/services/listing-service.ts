import type { MetadataStore, Referrer } from '@berth/metadata-store/port';
import { RepositoryNotFoundError } from '../errors/domain-errors';
import { parseDigest } from '../oci/digest';

/** One page of names, and whether more follow it. */
export interface NamePage {
  names: string[];
  hasMore: boolean;
}

/** Says whether a repository may be listed to the caller. */
export type RepositoryFilter = (repository: string) => Promise<boolean>;

// Repositories read per round when the catalog is filtered for a caller.
const FILTERED_BATCH = 500;

/** Content discovery: tags of a repository, repositories of the registry, referrers of a manifest. */
export class ListingService {
  constructor(private readonly deps: { metadata: MetadataStore }) {}

  /** Whether the repository exists; its first write, a blob alone included, creates it. */
  repositoryExists(repository: string): Promise<boolean> {
    return this.deps.metadata.repositoryExists(repository);
  }

  async tagsPage(repository: string, limit?: number, last?: string): Promise<NamePage> {
    const tags = await this.deps.metadata.tagsPage(repository, pageRequest(limit, last));
    if (!tags) throw new RepositoryNotFoundError(`repository ${repository} is not known`);
    return toPage(tags, limit);
  }

  /** A page of repositories; with `visible`, only those it accepts, still filling whole pages. */
  async repositoriesPage(limit?: number, last?: string, visible?: RepositoryFilter): Promise<NamePage> {
    if (!visible) return toPage(await this.deps.metadata.repositoriesPage(pageRequest(limit, last)), limit);
    const wanted = limit === undefined ? Infinity : limit + 1;
    const names: string[] = [];
    let after = last;
    for (;;) {
      const batch = await this.deps.metadata.repositoriesPage({
        limit: FILTERED_BATCH,
        ...(after !== undefined ? { last: after } : {}),
      });
      for (const name of batch) {
        if (names.length < wanted && (await visible(name))) names.push(name);
      }
      after = batch[batch.length - 1];
      if (names.length >= wanted || batch.length < FILTERED_BATCH) return toPage(names, limit);
    }
  }

  async referrers(repository: string, subjectDigest: string, artifactType?: string): Promise<Referrer[]> {
    parseDigest(subjectDigest);
    return this.deps.metadata.referrers(repository, subjectDigest, artifactType);
  }
}

// One extra row tells whether another page follows without a second query.
function pageRequest(limit: number | undefined, last: string | undefined) {
  return { ...(limit !== undefined ? { limit: limit + 1 } : {}), ...(last !== undefined ? { last } : {}) };
}

function toPage(names: string[], limit: number | undefined): NamePage {
  if (limit === undefined || names.length <= limit) return { names, hasMore: false };
  return { names: names.slice(0, limit), hasMore: true };
}
