import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { PgliteDatabase } from './pglite-database';
import { buildPgliteTemplate, PGLITE_OPTIONS } from './pglite-settings';
import { copyTemplate, templateDirectory } from './pglite-template';

const INIT_PARAMS = PGLITE_OPTIONS.initDbStartParams ?? [];
const BUILT_PACKAGE = path.join(__dirname, '../../dist/index.js');

describe('the embedded default PGlite', () => {
  let root: string;

  beforeAll(async () => {
    // `npm run build` makes it; a test run from a clean tree makes it here.
    await buildPgliteTemplate();
  });

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'berth-pglite-settings-'));
  });

  afterEach(() => rm(root, { recursive: true, force: true }));

  it('runs with the small buffer pool and acknowledges only written commits', async () => {
    const db = await PgliteDatabase.open(path.join(root, 'db'));
    try {
      const setting = async (name: string): Promise<string | undefined> =>
        (await db.query<{ setting: string }>(`SELECT current_setting($1) AS setting`, [name]))[0]?.setting;
      expect(await setting('shared_buffers')).toBe('16MB');
      expect(await setting('maintenance_work_mem')).toBe('16MB');
      expect(await setting('synchronous_commit')).toBe('on');
    } finally {
      await db.close();
    }
  });

  it('starts a new data directory from the built template, with no initdb', async () => {
    const dataDir = path.join(root, 'db');
    mkdirSync(dataDir);
    expect(copyTemplate(dataDir, INIT_PARAMS)).toBe(true);
    expect(readdirSync(dataDir).sort()).toEqual(readdirSync(templateDirectory(INIT_PARAMS)).sort());
    // A directory that holds a database is never copied over.
    expect(copyTemplate(dataDir, INIT_PARAMS)).toBe(false);

    const db = await PgliteDatabase.open(dataDir);
    try {
      await db.execute('CREATE TABLE kept (n int)');
      await db.query('INSERT INTO kept VALUES (1)');
    } finally {
      await db.close();
    }
    expect(copyTemplate(dataDir, INIT_PARAMS)).toBe(false);
    const reopened = await PgliteDatabase.open(dataDir);
    try {
      expect(await reopened.query('SELECT n FROM kept')).toEqual([{ n: 1 }]);
    } finally {
      await reopened.close();
    }
  });

  it('copies again into a directory whose copy was cut short, and not without a template', () => {
    const cutShort = path.join(root, 'cut-short');
    mkdirSync(cutShort);
    writeFileSync(path.join(cutShort, 'postgresql.conf'), '# half a copy\n');
    expect(copyTemplate(cutShort, INIT_PARAMS)).toBe(true);
    expect(existsSync(path.join(cutShort, 'PG_VERSION'))).toBe(true);

    // Other initdb settings name another template, which does not exist: PGlite runs initdb.
    const elsewhere = path.join(root, 'no-template');
    mkdirSync(elsewhere);
    expect(copyTemplate(elsewhere, [...INIT_PARAMS, '-c', 'work_mem=1MB'])).toBe(false);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('keeps every acknowledged commit when the process is killed', async () => {
    if (!existsSync(BUILT_PACKAGE)) throw new Error(`${BUILT_PACKAGE} is missing: run npm run build first`);
    const dataDir = path.join(root, 'db');
    // A child commits rows one by one and reports each once PGlite has acknowledged it.
    const script = `
      const { PgliteDatabase } = require(${JSON.stringify(BUILT_PACKAGE)});
      (async () => {
        const db = await PgliteDatabase.open(${JSON.stringify(dataDir)});
        await db.execute('CREATE TABLE IF NOT EXISTS acknowledged (n int PRIMARY KEY)');
        for (let n = 1; ; n++) {
          await db.query('INSERT INTO acknowledged VALUES ($1)', [n]);
          console.log(n);
        }
      })();`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let acknowledged = 0;
    for await (const line of createInterface({ input: child.stdout })) {
      acknowledged = Number(line);
      if (acknowledged >= 50) break;
    }
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    const db = await PgliteDatabase.open(dataDir);
    try {
      const [row] = await db.query<{ count: number; max: number }>(
        'SELECT count(*)::int AS count, max(n) AS max FROM acknowledged',
      );
      expect(row?.max).toBeGreaterThanOrEqual(acknowledged);
      expect(row?.count).toBe(row?.max);
    } finally {
      await db.close();
    }
  });
});
