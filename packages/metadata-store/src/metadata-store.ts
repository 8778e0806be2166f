import type { AccessStore } from './access/access-store';
import type { MigrationStatus } from './db/migration-status';
import type { EventLog } from './events/event-log';
import type { WriteContext } from './events/registry-event';
import type { GcReviews } from './gc/gc-reviews';
import type {
  BlobRecord,
  ManifestRecord,
  NewManifest,
  PageRequest,
  PutManifestResult,
  Referrer,
} from './model';

/**
 * Registry metadata: repositories, blobs and their links to repositories, manifests with
 * their references, and tags. Repositories are created implicitly by the first write. Every write
 * that changes what a client can see records its events in `events`, in the same transaction,
 * with the actor its `context` names.
 * Text holding NUL or an unpaired UTF-16 surrogate, which no stored name can, is refused with
 * UnstorableTextError, except where a method says how it treats it. Annotations may hold any text.
 */
export interface MetadataStore {
  readonly kind: string;
  /** Users, namespaces, members and robots, in the same database. */
  readonly access: AccessStore;
  /** The domain events of every write below. */
  readonly events: EventLog;
  /** Garbage collection's review queues, which the writes below fill. */
  readonly gc: GcReviews;

  /** Applies pending migrations; returns the names of those applied. */
  migrate(): Promise<string[]>;
  /** This version's migrations, applied or pending, and any applied by a newer version. */
  migrationStatus(): Promise<MigrationStatus[]>;

  repositoriesPage(page: PageRequest): Promise<string[]>;
  repositoryExists(repository: string): Promise<boolean>;

  findBlob(digest: string): Promise<BlobRecord | undefined>;
  /** The blob if it is linked in the repository. */
  findRepositoryBlob(repository: string, digest: string): Promise<BlobRecord | undefined>;
  /**
   * Records a blob (the first writer of a digest wins) and links it to the repository, in one
   * transaction. Returns the stored record, which is another writer's when `created` is false.
   */
  addBlob(
    repository: string,
    blob: BlobRecord,
    context?: WriteContext,
  ): Promise<{ blob: BlobRecord; created: boolean }>;
  /** Links a known blob to a repository; false when the blob is unknown. Idempotent. */
  linkBlob(repository: string, digest: string, context?: WriteContext): Promise<boolean>;
  /** Which of `storageKeys` a blob row names (the others belong to no blob). */
  namedStorageKeys(storageKeys: readonly string[]): Promise<Set<string>>;
  /** Removes a blob's link to a repository; false when it was not linked. */
  unlinkBlob(repository: string, digest: string, context?: WriteContext): Promise<boolean>;

  /**
   * Stores a manifest, its references and optionally a tag pointing at it, in one transaction,
   * after checking that every referenced blob and child manifest is in the repository.
   * Storing a manifest that already exists is not an error (it may still move the tag).
   */
  putManifest(
    repository: string,
    manifest: NewManifest,
    tag?: string,
    context?: WriteContext,
  ): Promise<PutManifestResult>;
  findManifestByDigest(repository: string, digest: string): Promise<ManifestRecord | undefined>;
  findManifestByTag(repository: string, tag: string): Promise<ManifestRecord | undefined>;
  /** Deletes a manifest, the tags pointing at it and its references; false when absent. */
  deleteManifest(repository: string, digest: string, context?: WriteContext): Promise<boolean>;
  /** Deletes a tag only; false when absent. */
  deleteTag(repository: string, tag: string, context?: WriteContext): Promise<boolean>;
  /** Tags in lexical order; undefined when the repository does not exist. */
  tagsPage(repository: string, page: PageRequest): Promise<string[] | undefined>;
  /**
   * Manifests in the repository whose subject is `subjectDigest`, optionally of one artifact type;
   * none for an artifact type that could not be stored.
   */
  referrers(repository: string, subjectDigest: string, artifactType?: string): Promise<Referrer[]>;

  /** Throws when the backend cannot be reached. */
  checkHealth(): Promise<void>;
  close(): Promise<void>;
}
