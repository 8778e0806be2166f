import type { AccessStore } from '../access/access-store';
import { SqlAccessStore } from '../access/sql-access-store';
import { migrate } from '../db/migrate';
import { migrationStatus, type MigrationStatus } from '../db/migration-status';
import { pageParams } from '../db/page-params';
import { retryTransient } from '../db/retry-transient';
import type { SqlClient, SqlDatabase } from '../db/sql-database';
import { isStorableText } from '../db/storable-text';
import { guardText } from '../db/text-guard';
import type { EventLog } from '../events/event-log';
import { recordChanges } from '../events/event-rows';
import type { WriteContext } from '../events/registry-event';
import { SqlEventLog } from '../events/sql-event-log';
import type { GcReviews } from '../gc/gc-reviews';
import { SqlGcReviews } from '../gc/sql-gc-reviews';
import type { MetadataStore } from '../metadata-store';
import type {
  BlobRecord,
  ManifestRecord,
  NewManifest,
  PageRequest,
  PutManifestResult,
  Referrer,
} from '../model';
import { putManifest } from './put-manifest';
import { lockRepository } from './repository-lock';
import {
  BLOB_COLUMNS,
  MANIFEST_COLUMNS,
  REFERRER_COLUMNS,
  toBlobRecord,
  toManifestRecord,
  toReferrer,
  type BlobRow,
  type ManifestRow,
  type ReferrerRow,
} from './rows';

/** The MetadataStore in SQL, over any PostgreSQL-compatible SqlDatabase. It owns the database. */
export class SqlMetadataStore implements MetadataStore {
  readonly kind: string;
  readonly access: AccessStore;
  readonly events: EventLog;
  readonly gc: GcReviews;
  readonly #db: SqlDatabase;

  constructor(db: SqlDatabase) {
    const guarded = guardText(db);
    this.kind = db.kind;
    this.access = new SqlAccessStore(guarded);
    this.events = new SqlEventLog(guarded);
    this.gc = new SqlGcReviews(guarded);
    this.#db = guarded;
  }

  migrate(): Promise<string[]> {
    return migrate(this.#db);
  }

  migrationStatus(): Promise<MigrationStatus[]> {
    return migrationStatus(this.#db);
  }

  async repositoriesPage(page: PageRequest): Promise<string[]> {
    const rows = await this.#db.query<{ name: string }>(
      'SELECT name FROM repositories WHERE name > $1 ORDER BY name LIMIT $2',
      pageParams(page),
    );
    return rows.map((row) => row.name);
  }

  async repositoryExists(repository: string): Promise<boolean> {
    const rows = await this.#db.query('SELECT 1 FROM repositories WHERE name = $1', [repository]);
    return rows.length > 0;
  }

  async findBlob(digest: string): Promise<BlobRecord | undefined> {
    const [row] = await this.#db.query<BlobRow>(
      `SELECT ${BLOB_COLUMNS}
       FROM blobs b
       WHERE b.digest = $1`,
      [digest],
    );
    return row && toBlobRecord(row);
  }

  async findRepositoryBlob(repository: string, digest: string): Promise<BlobRecord | undefined> {
    // A blob read is a blob in use: a queued review of its link is pushed back (see the GC
    // migration); the UPDATE touches a row only when a review is queued.
    const [row] = await this.#db.query<BlobRow>(
      `WITH found AS (
         SELECT rb.repository_id, ${BLOB_COLUMNS}
         FROM repositories r
         JOIN repository_blobs rb ON rb.repository_id = r.id
         JOIN blobs b ON b.digest = rb.blob_digest
         WHERE r.name = $1 AND rb.blob_digest = $2
       ), postponed AS (
         SELECT berth_gc_postpone_link(repository_id, digest) FROM found
       )
       SELECT digest, size, storage_key FROM found, (SELECT count(*) FROM postponed) AS p`,
      [repository, digest],
    );
    return row && toBlobRecord(row);
  }

  async addBlob(
    repository: string,
    blob: BlobRecord,
    context: WriteContext = {},
  ): Promise<{ blob: BlobRecord; created: boolean }> {
    // One round trip: see the migrations that define the function.
    const [row] = await retryTransient(() =>
      this.#db.query<BlobRow & { created: boolean }>(
        'SELECT digest, size, storage_key, created FROM berth_add_blob($1, $2, $3, $4, $5)',
        [repository, blob.digest, blob.size, blob.storageKey, context.actor ?? null],
      ),
    );
    if (!row) throw new Error(`recording blob ${blob.digest} returned no row`);
    return { blob: toBlobRecord(row), created: row.created };
  }

  linkBlob(repository: string, digest: string, context: WriteContext = {}): Promise<boolean> {
    return this.#write(async (tx) => {
      const repositoryId = await lockRepository(tx, repository, context, true);
      const [known] = await tx.query('SELECT 1 FROM blobs WHERE digest = $1 FOR KEY SHARE', [digest]);
      // Creating the repository for an unknown blob is undone with the rest.
      if (!known) throw new UnknownBlob();
      const linked = await tx.query(
        `INSERT INTO repository_blobs (repository_id, blob_digest) VALUES ($1, $2)
         ON CONFLICT DO NOTHING RETURNING 1`,
        [repositoryId, digest],
      );
      if (linked.length > 0) await recordChanges(tx, repository, [{ kind: 'blob.mounted', digest }], context);
      else await tx.query('SELECT berth_gc_postpone_link($1, $2)', [repositoryId, digest]);
      return true;
    }).catch((error: unknown) => {
      if (error instanceof UnknownBlob) return false;
      throw error;
    });
  }

  async namedStorageKeys(storageKeys: readonly string[]): Promise<Set<string>> {
    if (storageKeys.length === 0) return new Set();
    const rows = await this.#db.query<{ storage_key: string }>(
      'SELECT storage_key FROM blobs WHERE storage_key = ANY ($1::text[])',
      [storageKeys],
    );
    return new Set(rows.map((row) => row.storage_key));
  }

  unlinkBlob(repository: string, digest: string, context: WriteContext = {}): Promise<boolean> {
    return this.#write(async (tx) => {
      const repositoryId = await lockRepository(tx, repository, context, false);
      if (repositoryId === undefined) return false;
      const rows = await tx.query(
        'DELETE FROM repository_blobs WHERE repository_id = $1 AND blob_digest = $2 RETURNING 1',
        [repositoryId, digest],
      );
      if (rows.length === 0) return false;
      await recordChanges(tx, repository, [{ kind: 'blob.unlinked', digest }], context);
      return true;
    });
  }

  putManifest(
    repository: string,
    manifest: NewManifest,
    tag?: string,
    context: WriteContext = {},
  ): Promise<PutManifestResult> {
    return this.#write((tx) => putManifest(tx, repository, manifest, tag, context));
  }

  async findManifestByDigest(repository: string, digest: string): Promise<ManifestRecord | undefined> {
    const [row] = await this.#db.query<ManifestRow>(
      `SELECT ${MANIFEST_COLUMNS}
       FROM repositories r
       JOIN manifests m ON m.repository_id = r.id
       WHERE r.name = $1 AND m.digest = $2`,
      [repository, digest],
    );
    return row && toManifestRecord(row);
  }

  async findManifestByTag(repository: string, tag: string): Promise<ManifestRecord | undefined> {
    const [row] = await this.#db.query<ManifestRow>(
      `SELECT ${MANIFEST_COLUMNS}
       FROM repositories r
       JOIN tags t ON t.repository_id = r.id
       JOIN manifests m ON m.id = t.manifest_id
       WHERE r.name = $1 AND t.name = $2`,
      [repository, tag],
    );
    return row && toManifestRecord(row);
  }

  deleteManifest(repository: string, digest: string, context: WriteContext = {}): Promise<boolean> {
    return this.#write(async (tx) => {
      const repositoryId = await lockRepository(tx, repository, context, false);
      if (repositoryId === undefined) return false;
      // Its tags, blob references and index references go with it (ON DELETE CASCADE).
      const [deleted] = await tx.query<{ tags: string[] }>(
        `WITH doomed AS (
           SELECT id FROM manifests WHERE repository_id = $1 AND digest = $2
         ), tags AS (
           SELECT coalesce(array_agg(t.name ORDER BY t.name), '{}') AS names
           FROM tags t WHERE t.manifest_id = (SELECT id FROM doomed)
         )
         DELETE FROM manifests m USING doomed, tags WHERE m.id = doomed.id
         RETURNING tags.names AS tags`,
        [repositoryId, digest],
      );
      if (!deleted) return false;
      await recordChanges(
        tx,
        repository,
        [
          ...deleted.tags.map((tag) => ({ kind: 'tag.deleted' as const, tag, digest })),
          { kind: 'manifest.deleted', digest },
        ],
        context,
      );
      return true;
    });
  }

  deleteTag(repository: string, tag: string, context: WriteContext = {}): Promise<boolean> {
    return this.#write(async (tx) => {
      const repositoryId = await lockRepository(tx, repository, context, false);
      if (repositoryId === undefined) return false;
      const [deleted] = await tx.query<{ digest: string }>(
        `DELETE FROM tags t USING manifests m
         WHERE t.repository_id = $1 AND t.name = $2 AND m.id = t.manifest_id
         RETURNING m.digest`,
        [repositoryId, tag],
      );
      if (!deleted) return false;
      await recordChanges(tx, repository, [{ kind: 'tag.deleted', tag, digest: deleted.digest }], context);
      return true;
    });
  }

  async tagsPage(repository: string, page: PageRequest): Promise<string[] | undefined> {
    // One row per tag, or a single row with a null tag for a repository without tags, or no row
    // for an unknown repository.
    const rows = await this.#db.query<{ tag: string | null }>(
      `SELECT t.name AS tag
       FROM repositories r
       LEFT JOIN LATERAL (
         SELECT tags.name FROM tags
         WHERE tags.repository_id = r.id AND tags.name > $2
         ORDER BY tags.name
         LIMIT $3
       ) t ON true
       WHERE r.name = $1
       ORDER BY t.name`,
      [repository, ...pageParams(page)],
    );
    if (rows.length === 0) return undefined;
    return rows.flatMap((row) => (row.tag === null ? [] : [row.tag]));
  }

  async referrers(repository: string, subjectDigest: string, artifactType?: string): Promise<Referrer[]> {
    // No stored artifact type equals text PostgreSQL cannot hold.
    if (artifactType !== undefined && !isStorableText(artifactType)) return [];
    const rows = await this.#db.query<ReferrerRow>(
      `SELECT ${REFERRER_COLUMNS}
       FROM repositories r
       JOIN manifests m ON m.repository_id = r.id
       WHERE r.name = $1 AND m.subject_digest = $2
         AND ($3::text IS NULL OR m.artifact_type = $3)
       ORDER BY m.id`,
      [repository, subjectDigest, artifactType ?? null],
    );
    return rows.map(toReferrer);
  }

  async checkHealth(): Promise<void> {
    await this.#db.query('SELECT 1');
  }

  close(): Promise<void> {
    return this.#db.close();
  }

  #write<T>(work: (tx: SqlClient) => Promise<T>): Promise<T> {
    return retryTransient(() => this.#db.transaction(work));
  }
}

/** Rolls back a link to a blob that turned out to be unknown. */
class UnknownBlob extends Error {}
