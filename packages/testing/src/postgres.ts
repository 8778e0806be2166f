import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** A database that exists only for one test run. */
export interface TestDatabase {
  url: string;
  /** Drops the database, closing any connection still open to it. */
  drop(): Promise<void>;
}

/** The PostgreSQL server that tests use; any database on it works as the maintenance database. */
const serverUrl = process.env.BERTH_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Creates an empty, uniquely named database on the test PostgreSQL server. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `berth_test_${randomBytes(6).toString('hex')}`;
  // A locale-aware default collation, as most production servers have, so that code relying on
  // byte order without asking for it (COLLATE "C") fails here rather than in production.
  await onServer(`CREATE DATABASE ${name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function onServer(statement: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
