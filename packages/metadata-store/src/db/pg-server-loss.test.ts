import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { BackendUnavailableError } from '@berth/backend-errors';
import { startPostgresServer, type PostgresServer } from '@berth/testing/postgres-server';
import { PgDatabase } from './pg-database';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}

describe('PostgreSQL going away while a transaction holds a connection', () => {
  let postgres: PostgresServer;

  beforeAll(async () => {
    postgres = await startPostgresServer({ port: await freePort() });
  });

  afterAll(() => postgres?.destroy());

  it.each(['fast', 'immediate'] as const)(
    'fails the transaction as an outage, lets no error escape (stopped %s), and works once it is back',
    async (mode) => {
      const escaped: unknown[] = [];
      const record = (error: unknown) => escaped.push(error);
      process.on('uncaughtException', record);
      const db = new PgDatabase({ url: postgres.url, poolSize: 2 });
      try {
        const held = db.transaction(async (tx) => {
          await tx.query('SELECT 1');
          await sleep(1_000);
          await tx.query('SELECT 2');
        });
        const outcome = held.then(
          () => 'committed',
          (error: unknown) => error,
        );
        await sleep(200);
        await postgres.stop(mode);
        expect(await outcome).toBeInstanceOf(BackendUnavailableError);
        // Give a late 'error' event the time to surface.
        await sleep(200);
        expect(escaped).toEqual([]);

        await postgres.start();
        expect(await db.transaction((tx) => tx.query<{ one: number }>('SELECT 1 AS one'))).toEqual([
          { one: 1 },
        ]);
      } finally {
        process.off('uncaughtException', record);
        await db.close();
      }
    },
    60_000,
  );
});
