import { BackendUnavailableError } from '@berth/backend-errors';
import { createTestDatabase, type TestDatabase } from '@berth/testing/postgres';
import { stallProxyFor, timeToFail, type StallProxy } from '@berth/testing/stall-proxy';
import { PgDatabase } from './pg-database';

// Short, so that a test waits for a few of them; the margin covers a loaded machine.
const CONNECT_MS = 1_000;
const STATEMENT_MS = 1_000;
// PgDatabase gives up on an answer a second after PostgreSQL would have cancelled the statement.
const ANSWER_MS = STATEMENT_MS + 1_000;
const MARGIN_MS = 1_000;

let database: TestDatabase;
let proxy: StallProxy;
let db: PgDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  const proxied = await stallProxyFor(database.url);
  proxy = proxied.proxy;
  db = new PgDatabase({
    url: proxied.url,
    poolSize: 2,
    connectTimeoutSeconds: CONNECT_MS / 1000,
    statementTimeoutSeconds: STATEMENT_MS / 1000,
  });
  await db.execute('CREATE TABLE deadline_test (id int PRIMARY KEY)');
});
afterEach(() => proxy.thaw());
afterAll(async () => {
  await db?.close();
  await proxy?.stop();
  await database?.drop();
});

/** How long `work` took to fail, reported as an outage, and with what message and code from pg. */
async function failure(
  work: () => Promise<unknown>,
): Promise<{ ms: number; message: string; code: unknown }> {
  const { ms, error } = await timeToFail(work);
  expect(error).toBeInstanceOf(BackendUnavailableError);
  const cause = error.cause as Error;
  return { ms, message: cause.message, code: (cause as { code?: unknown }).code };
}

describe('PostgreSQL deadlines, through a proxy that can freeze the server', () => {
  it('gives up on a query that a frozen connection never answers', async () => {
    await db.query('SELECT 1');
    proxy.freezeEstablished();
    const { ms, message } = await failure(() => db.query('SELECT 1'));
    expect(message).toBe('Query read timeout');
    expect(ms).toBeGreaterThanOrEqual(ANSWER_MS - 50);
    expect(ms).toBeLessThan(ANSWER_MS + MARGIN_MS);
  });

  it('gives up on a connection that a server accepting but silent never completes', async () => {
    proxy.freeze();
    // Both pooled connections are busy on the frozen server, so each query needs a new one.
    const { ms, message } = await failure(() =>
      Promise.all([db.query('SELECT 1'), db.query('SELECT 2'), db.query('SELECT 3')]),
    );
    expect(message).toMatch(/timeout/i);
    expect(ms).toBeLessThan(ANSWER_MS + MARGIN_MS);
  });

  it('fails a transaction on a frozen connection without waiting for its rollback too', async () => {
    await db.query('SELECT 1');
    const { ms, message } = await failure(() =>
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO deadline_test VALUES (1)');
        proxy.freeze();
        await tx.query('INSERT INTO deadline_test VALUES (2)');
      }),
    );
    expect(message).toBe('Query read timeout');
    expect(ms).toBeLessThan(ANSWER_MS + MARGIN_MS);
    proxy.thaw();
    // PostgreSQL rolled back what the dropped connection left open.
    expect(await db.query('SELECT id FROM deadline_test')).toEqual([]);
  });

  it('has PostgreSQL cancel a statement that runs too long, and keeps serving', async () => {
    const { ms, code } = await failure(() => db.query('SELECT pg_sleep(5)'));
    expect(code).toBe('57014');
    expect(ms).toBeLessThan(STATEMENT_MS + MARGIN_MS);
    expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('serves again once the server thaws', async () => {
    proxy.freeze();
    await failure(() => db.query('SELECT 1'));
    proxy.thaw();
    expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });
});
