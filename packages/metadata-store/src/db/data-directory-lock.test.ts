import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  dataDirectorySocket,
  DataDirectoryInUseError,
  DataDirectoryLock,
  findDataDirectoryHolder,
} from './data-directory-lock';
import { PgliteDatabase } from './pglite-database';

/** Leaves a socket in `dir` as a holder killed with SIGKILL does: bound, nobody listening. */
function leaveDeadHolderSocket(dir: string): void {
  const script = `require('net').createServer().listen(${JSON.stringify(dataDirectorySocket(dir))}, () => process.kill(process.pid, 'SIGKILL'))`;
  const result = spawnSync(process.execPath, ['-e', script]);
  expect(result.signal).toBe('SIGKILL');
  expect(existsSync(dataDirectorySocket(dir))).toBe(true);
}

function post(socketPath: string, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: urlPath, method: 'POST' }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('DataDirectoryLock', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'berth-lock-'));
  });

  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('lets one holder in and names it to the next, until it releases', async () => {
    const lock = await DataDirectoryLock.acquire(dir, { command: 'berth serve' });
    expect(statSync(dataDirectorySocket(dir)).mode & 0o777).toBe(0o600);
    expect(await findDataDirectoryHolder(dir)).toEqual({
      pid: process.pid,
      command: 'berth serve',
      since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });

    const refused = DataDirectoryLock.acquire(dir, { command: 'berth user add' });
    await expect(refused).rejects.toThrow(DataDirectoryInUseError);
    await expect(refused).rejects.toThrow(
      new RegExp(
        `^the data directory ${dir} is in use by berth serve \\(pid ${process.pid}, since .+\\); only one process may open it$`,
      ),
    );

    await lock.release();
    expect(existsSync(dataDirectorySocket(dir))).toBe(false);
    expect(await findDataDirectoryHolder(dir)).toBeUndefined();
    const next = await DataDirectoryLock.acquire(dir, { command: 'berth user add' });
    await next.release();
  });

  it('replaces the socket of a holder that was killed', async () => {
    leaveDeadHolderSocket(dir);
    expect(await findDataDirectoryHolder(dir)).toBeUndefined();
    const lock = await DataDirectoryLock.acquire(dir, { command: 'berth serve' });
    expect((await findDataDirectoryHolder(dir))?.pid).toBe(process.pid);
    await lock.release();
  });

  it('lets exactly one of many processes racing for a dead holder’s directory take it', async () => {
    leaveDeadHolderSocket(dir);
    const attempts = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => DataDirectoryLock.acquire(dir, { command: `contender ${i}` })),
    );
    const won = attempts.filter((attempt) => attempt.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const attempt of attempts) {
      if (attempt.status === 'rejected') expect(attempt.reason).toBeInstanceOf(DataDirectoryInUseError);
    }
    await won[0]?.value.release();
    expect(existsSync(path.join(dir, 'berth.sock.takeover'))).toBe(false);
  });

  it('passes other requests on the socket to the holder’s channel', async () => {
    const lock = await DataDirectoryLock.acquire(dir, {
      command: 'berth serve',
      channel: (req, res) => res.writeHead(200).end(`served ${req.method} ${req.url}`),
    });
    expect(await post(dataDirectorySocket(dir), '/commands')).toEqual({
      status: 200,
      body: 'served POST /commands',
    });
    await lock.release();

    const withoutChannel = await DataDirectoryLock.acquire(dir, { command: 'berth user ls' });
    expect((await post(dataDirectorySocket(dir), '/commands')).status).toBe(404);
    await withoutChannel.release();
  });

  it('addresses the socket relative to the working directory when the absolute path is too long', () => {
    const deep = path.join(process.cwd(), 'x'.repeat(90));
    expect(dataDirectorySocket(deep)).toBe(path.join('x'.repeat(90), 'berth.sock'));
    expect(() => dataDirectorySocket(path.join('/', 'y'.repeat(200)))).toThrow(
      /too long for its lock socket/,
    );
  });
});

describe('PgliteDatabase on a data directory', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'berth-pglite-lock-'));
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('is opened by one process at a time, which keeps every write', async () => {
    const dataDir = path.join(dir, 'metadata');
    const first = await PgliteDatabase.open(dataDir, { command: 'berth serve' });
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    await first.execute('CREATE TABLE notes (text text)');
    await first.query("INSERT INTO notes VALUES ('kept')");

    await expect(PgliteDatabase.open(dataDir, { command: 'berth user add' })).rejects.toThrow(
      /in use by berth serve/,
    );
    await first.query("INSERT INTO notes VALUES ('after the refusal')");
    await first.close();

    const second = await PgliteDatabase.open(dataDir, { command: 'berth user ls' });
    expect(await second.query('SELECT text FROM notes ORDER BY text')).toEqual([
      { text: 'after the refusal' },
      { text: 'kept' },
    ]);
    await second.close();
  });
});
