import type { AccessStore } from '../access/access-store';
import { SqlAccessStore } from '../access/sql-access-store';
import { migrate } from '../db/migrate';
import { migrationStatus, type MigrationStatus } from '../db/migration-status';
import { pageParams } from '../db/page-params';
import { retryTransient } from '../db/retry-transient';
import type { SqlClient, SqlDatabase } from '../db/sql-database';
import { isStorableText } from '../db/storable-text';
import { guardText } from '../db/text-guard';
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
import { ensureRepositoryId } from './repository-ids';
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
  readonly #db: SqlDatabase;

  constructor(db: SqlDatabase) {
    const guarded = guardText(db);
    this.kind = db.kind;
    this.access = new SqlAccessStore(guarded);
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
    const [row] = await this.#db.query<BlobRow>(
      `SELECT ${BLOB_COLUMNS}
       FROM repositories r
       JOIN repository_blobs rb ON rb.repository_id = r.id
       JOIN blobs b ON b.digest = rb.blob_digest
       WHERE r.name = $1 AND rb.blob_digest = $2`,
      [repository, digest],
    );
    return row && toBlobRecord(row);
  }

  async addBlob(repository: string, blob: BlobRecord): Promise<{ blob: BlobRecord; created: boolean }> {
    // One round trip: see the migration that defines the function.
    const [row] = await retryTransient(() =>
      this.#db.query<BlobRow & { created: boolean }>(
        'SELECT digest, size, storage_key, created FROM berth_add_blob($1, $2, $3, $4)',
        [repository, blob.digest, blob.size, blob.storageKey],
      ),
    );
    if (!row) throw new Error(`recording blob ${blob.digest} returned no row`);
    return { blob: toBlobRecord(row), created: row.created };
  }

  linkBlob(repository: string, digest: string): Promise<boolean> {
    return this.#write(async (tx) => {
      const [known] = await tx.query('SELECT 1 FROM blobs WHERE digest = $1 FOR KEY SHARE', [digest]);
      if (!known) return false;
      await insertLink(tx, repository, digest);
      return true;
    });
  }

  async unlinkBlob(repository: string, digest: string): Promise<boolean> {
    const rows = await this.#db.query(
      `DELETE FROM repository_blobs rb USING repositories r
       WHERE rb.repository_id = r.id AND r.name = $1 AND rb.blob_digest = $2
       RETURNING 1`,
      [repository, digest],
    );
    return rows.length > 0;
  }

  putManifest(repository: string, manifest: NewManifest, tag?: string): Promise<PutManifestResult> {
    return this.#write((tx) => putManifest(tx, repository, manifest, tag));
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

  async deleteManifest(repository: string, digest: string): Promise<boolean> {
    // Tags, blob references and index references go with it (ON DELETE CASCADE); the cascade
    // locks rows in several tables, so it can deadlock with a concurrent put.
    const rows = await retryTransient(() =>
      this.#db.query(
        `DELETE FROM manifests m USING repositories r
         WHERE m.repository_id = r.id AND r.name = $1 AND m.digest = $2
         RETURNING 1`,
        [repository, digest],
      ),
    );
    return rows.length > 0;
  }

  async deleteTag(repository: string, tag: string): Promise<boolean> {
    const rows = await this.#db.query(
      `DELETE FROM tags t USING repositories r
       WHERE t.repository_id = r.id AND r.name = $1 AND t.name = $2
       RETURNING 1`,
      [repository, tag],
    );
    return rows.length > 0;
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

async function insertLink(tx: SqlClient, repository: string, digest: string): Promise<void> {
  await tx.query(
    'INSERT INTO repository_blobs (repository_id, blob_digest) VALUES ($1, $2) ON CONFLICT DO NOTHING',
    [await ensureRepositoryId(tx, repository), digest],
  );
}
