import { migrate } from '../db/migrate';
import type { SqlDatabase } from '../db/sql-database';
import { SqlMetadataStore } from '../store/sql-metadata-store';
import { describeAccessStoreContract } from './access-store.contract';
import { describeEventLogContract } from './event-log.contract';
import { describeGcManifestReviewsContract } from './gc-manifest-reviews.contract';
import { describeGcReviewPreviewContract } from './gc-review-preview.contract';
import { describeGcReviewsContract } from './gc-reviews.contract';
import { describeMetadataStoreContract, type ContractStore } from './metadata-store.contract';
import type { TestSqlDatabase } from './test-databases.contract';

/**
 * Runs the MetadataStore, AccessStore, EventLog and GcReviews contracts over SqlMetadataStore on one database per test
 * file, migrated once and emptied after each test: far cheaper than a database per test, and the
 * contracts still fail if emptying misses anything.
 */
export function describeSqlMetadataStoreContract(name: string, open: () => Promise<TestSqlDatabase>): void {
  let opened: Promise<TestSqlDatabase> | undefined;

  afterAll(async () => {
    if (!opened) return;
    const { db, dispose } = await opened;
    await db.close();
    await dispose?.();
  });

  async function makeStore(): Promise<ContractStore> {
    opened ??= open().then(async (database) => {
      await migrate(database.db);
      return database;
    });
    const { db } = await opened;
    return { store: new SqlMetadataStore(db), cleanup: () => emptyTables(db) };
  }

  describeMetadataStoreContract(name, makeStore);
  describeAccessStoreContract(name, makeStore);
  describeEventLogContract(name, makeStore);
  describeGcReviewsContract(name, makeStore);
  describeGcReviewPreviewContract(name, makeStore);
  describeGcManifestReviewsContract(name, makeStore);
}

async function emptyTables(db: SqlDatabase): Promise<void> {
  const tables = await db.query<{ name: string }>(
    `SELECT quote_ident(tablename) AS name FROM pg_tables
     WHERE schemaname = current_schema() AND tablename <> 'schema_migrations'`,
  );
  await db.execute(`TRUNCATE ${tables.map((table) => table.name).join(', ')} RESTART IDENTITY`);
}
