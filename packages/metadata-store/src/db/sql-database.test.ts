import { testDatabases, type TestSqlDatabase } from '../contract/test-databases.contract';

describe.each(testDatabases)('SqlDatabase: %s', (_name, open) => {
  let database: TestSqlDatabase;

  beforeAll(async () => {
    database = await open();
    await database.db.execute(
      'CREATE TABLE items (id int8 PRIMARY KEY, data bytea); CREATE TABLE log (line text)',
    );
  });

  afterAll(async () => {
    await database.db.close();
    await database.dispose?.();
  });

  beforeEach(() => database.db.execute('TRUNCATE items, log'));

  it('returns int8 as numbers, bytea as Buffers and jsonb as objects', async () => {
    const [row] = await database.db.query(
      `SELECT 5368709121::int8 AS big, NULL::int8 AS none, '\\x00ff'::bytea AS bytes, '{"a": "b"}'::jsonb AS json`,
    );
    expect(row).toEqual({ big: 5368709121, none: null, bytes: Buffer.from([0, 0xff]), json: { a: 'b' } });
    expect(Buffer.isBuffer((row as { bytes: unknown }).bytes)).toBe(true);
  });

  it('refuses int8 values that a number cannot hold exactly', async () => {
    await expect(database.db.query('SELECT 9007199254740993::int8 AS n')).rejects.toThrow(/MAX_SAFE_INTEGER/);
    expect(await database.db.query('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
  });

  it('passes Buffers and arrays as parameters', async () => {
    const bytes = Buffer.from([0, 1, 0xfe, 0xff]);
    const rows = await database.db.query(
      'SELECT $1::bytea AS bytes, $2::text[] AS texts, (SELECT sum(id) FROM unnest($3::int8[]) id)::int8 AS total',
      [bytes, ['a,b', 'c"d', 'e'], [1, 2 ** 40]],
    );
    expect(rows).toEqual([{ bytes, texts: ['a,b', 'c"d', 'e'], total: 2 ** 40 + 1 }]);
  });

  it('commits a transaction whose work resolves', async () => {
    const result = await database.db.transaction(async (tx) => {
      await tx.query('INSERT INTO items (id) VALUES ($1)', [1]);
      await tx.execute("INSERT INTO log VALUES ('one'); INSERT INTO log VALUES ('two')");
      return 'done';
    });
    expect(result).toBe('done');
    expect(await database.db.query('SELECT id FROM items')).toEqual([{ id: 1 }]);
    expect(await database.db.query('SELECT line FROM log ORDER BY line')).toEqual([
      { line: 'one' },
      { line: 'two' },
    ]);
  });

  it('rolls back a transaction whose work throws, and rethrows', async () => {
    const failure = new Error('work failed');
    await expect(
      database.db.transaction(async (tx) => {
        await tx.query('INSERT INTO items (id) VALUES ($1)', [1]);
        throw failure;
      }),
    ).rejects.toBe(failure);
    await expect(
      database.db.transaction((tx) => tx.query('INSERT INTO items (id) VALUES (1), (1)')),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await database.db.query('SELECT id FROM items')).toEqual([]);
  });

  it('runs many transactions at once, each isolated until it commits', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, id) =>
        database.db.transaction(async (tx) => {
          await tx.query('INSERT INTO items (id) VALUES ($1)', [id]);
          const [own] = await tx.query<{ count: number }>(
            'SELECT count(*) AS count FROM items WHERE id = $1',
            [id],
          );
          expect(own?.count).toBe(1);
        }),
      ),
    );
    expect(await database.db.query('SELECT count(*) AS count FROM items')).toEqual([{ count: 20 }]);
  });
});
