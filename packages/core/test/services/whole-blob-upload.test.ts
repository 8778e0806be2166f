import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FilesystemBlobStore } from '@berth/blob-store';
import { MemoryCoordinator, type Coordinator } from '@berth/coordinator';
import type { BlobRecord } from '@berth/metadata-store';
import { InvalidDigestError, InvalidSizeError, UploadOutOfOrderError } from '../../src/errors/domain-errors';
import {
  UploadService,
  type Chunk,
  type UploadMetadata,
  type UploadObserver,
} from '../../src/services/upload-service';
import { UploadSessions } from '../../src/services/upload-sessions';

const REPOSITORY = 'team/app';

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const randomBytes = (size: number) => Buffer.from(Array.from({ length: size }, () => Math.random() * 256));

/** Wraps an object so that every method call on it is recorded by name. */
function recording<T extends object>(target: T, calls: string[]): T {
  return new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        calls.push(String(property));
        return Reflect.apply(value, object, args) as unknown;
      };
    },
  });
}

/** Blob records and repository links kept in memory; the first writer of a digest wins. */
class MemoryBlobRecords implements UploadMetadata {
  readonly blobs = new Map<string, BlobRecord>();
  readonly links = new Set<string>();

  async findBlob(digest: string): Promise<BlobRecord | undefined> {
    return this.blobs.get(digest);
  }

  async addBlob(repository: string, blob: BlobRecord): Promise<{ blob: BlobRecord; created: boolean }> {
    await new Promise((resolve) => setImmediate(resolve));
    const existing = this.blobs.get(blob.digest);
    if (!existing) this.blobs.set(blob.digest, blob);
    this.links.add(`${repository}@${blob.digest}`);
    return { blob: existing ?? blob, created: existing === undefined };
  }

  async linkBlob(repository: string, digest: string): Promise<boolean> {
    if (!this.blobs.has(digest)) return false;
    this.links.add(`${repository}@${digest}`);
    return true;
  }
}

/** A filesystem store whose puts can be made to fail after reading part of their body. */
class FailingPuts extends FilesystemBlobStore {
  failPuts = false;

  override async put(key: string, body: Readable, size?: number) {
    if (!this.failPuts) return super.put(key, body, size);
    for await (const part of body) {
      if ((part as Buffer).length > 0) break;
    }
    throw new Error('no space left on device');
  }
}

/** Every file under a folder, as paths relative to it. */
async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(folder.length + 1));
}

/** A body that sends `sent`, then fails as a request whose client went away does. */
function brokenBody(sent: Buffer): Readable {
  let pushed = false;
  return new Readable({
    read() {
      if (pushed) return;
      pushed = true;
      this.push(sent);
      setImmediate(() => this.destroy(new Error('aborted')));
    },
  });
}

describe('uploading a whole blob in one request', () => {
  let root: string;
  let blobs: FailingPuts;
  let metadata: MemoryBlobRecords;
  let coordinator: Coordinator;
  let coordinatorCalls: string[];
  let blobCalls: string[];
  let observed: string[];
  let uploads: UploadService;

  const observer: UploadObserver = {
    sessionOpened: () => observed.push('sessionOpened'),
    sessionClosed: () => observed.push('sessionClosed'),
    bytesReceived: (bytes) => observed.push(`bytesReceived ${bytes}`),
    blobUploaded: (bytes, seconds) => observed.push(`blobUploaded ${bytes} ${seconds >= 0}`),
  };
  const whole = (body: Buffer, length: number | undefined = body.length): Chunk => ({
    body: Readable.from([body]),
    ...(length !== undefined ? { length } : {}),
  });
  /** Nothing in storage: no object, no put or resumable write still staged. */
  const expectEmptyStorage = async () => {
    expect(await filesUnder(root)).toEqual([]);
    const pending = [];
    for await (const write of blobs.listWrites(new Date(Date.now() + 60_000))) pending.push(write.key);
    expect(pending).toEqual([]);
  };

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'berth-whole-upload-'));
    blobs = new FailingPuts({ root });
    metadata = new MemoryBlobRecords();
    coordinatorCalls = [];
    blobCalls = [];
    observed = [];
    coordinator = recording(new MemoryCoordinator(), coordinatorCalls);
    uploads = new UploadService({
      blobs: recording(blobs, blobCalls),
      metadata,
      sessions: new UploadSessions(coordinator, 60_000),
      observer,
    });
  });

  afterEach(async () => {
    await coordinator.close();
    await blobs.close();
    await rm(root, { recursive: true, force: true });
  });

  it('puts the bytes straight to their object, with no call to the coordinator', async () => {
    const data = randomBytes(70_000);
    const stored = await uploads.uploadWhole(REPOSITORY, sha256(data), whole(data));
    expect(stored).toEqual({ digest: sha256(data), size: data.length });
    expect(coordinatorCalls).toEqual([]);
    expect(blobCalls).toEqual(['put']);
    const record = metadata.blobs.get(sha256(data));
    expect(record?.size).toBe(data.length);
    expect(metadata.links).toEqual(new Set([`${REPOSITORY}@${sha256(data)}`]));
    const { stream } = await blobs.read(record?.storageKey ?? '');
    const chunks: Buffer[] = [];
    for await (const part of stream) chunks.push(part as Buffer);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    // No session opened, so none closed: the session counters stay paired.
    expect(observed).toEqual([`bytesReceived ${data.length}`, `blobUploaded ${data.length} true`]);
  });

  it('costs the coordinator nothing where a session and its lock cost several calls', async () => {
    const data = randomBytes(1_000);
    const { id } = await uploads.start(REPOSITORY);
    await uploads.complete(REPOSITORY, id, sha256(data), whole(data));
    expect(coordinatorCalls.length).toBeGreaterThanOrEqual(5);
    coordinatorCalls.length = 0;
    await uploads.uploadWhole(REPOSITORY, sha256(Buffer.alloc(0)), whole(Buffer.alloc(0)));
    expect(coordinatorCalls).toEqual([]);
  });

  it('stores a body of unknown length', async () => {
    const data = randomBytes(5_000);
    const stored = await uploads.uploadWhole(REPOSITORY, sha256(data), whole(data, undefined));
    expect(stored).toEqual({ digest: sha256(data), size: data.length });
    expect(coordinatorCalls).toEqual([]);
  });

  it('only checks the bytes of a blob the registry holds, and links it', async () => {
    const data = randomBytes(3_000);
    await uploads.uploadWhole('team/first', sha256(data), whole(data));
    blobCalls.length = 0;
    const stored = await uploads.uploadWhole(REPOSITORY, sha256(data), whole(data));
    expect(stored).toEqual({ digest: sha256(data), size: data.length });
    expect(blobCalls).toEqual([]);
    expect(metadata.links.has(`${REPOSITORY}@${sha256(data)}`)).toBe(true);
    expect(coordinatorCalls).toEqual([]);
  });

  it('keeps one object when the same blob is pushed concurrently', async () => {
    const data = randomBytes(20_000);
    await Promise.all(
      ['team/a', 'team/b', 'team/a'].map((name) => uploads.uploadWhole(name, sha256(data), whole(data))),
    );
    expect(await filesUnder(join(root, 'objects'))).toHaveLength(1);
    expect(metadata.links.size).toBe(2);
    expect(coordinatorCalls).toEqual([]);
  });

  it('refuses a wrong digest with DIGEST_INVALID and keeps nothing', async () => {
    const data = randomBytes(10_000);
    const claimed = sha256(randomBytes(10));
    await expect(uploads.uploadWhole(REPOSITORY, claimed, whole(data))).rejects.toBeInstanceOf(
      InvalidDigestError,
    );
    await expectEmptyStorage();
    expect(metadata.blobs.size).toBe(0);
    expect(observed).toEqual([`bytesReceived ${data.length}`]);
    expect(coordinatorCalls).toEqual([]);
  });

  it('refuses other bytes under the digest of a stored blob, and links nothing', async () => {
    const data = randomBytes(2_000);
    await uploads.uploadWhole('team/owner', sha256(data), whole(data));
    const forged = Buffer.from(data);
    forged[0] = (forged[0] as number) ^ 0xff;
    await expect(uploads.uploadWhole(REPOSITORY, sha256(data), whole(forged))).rejects.toBeInstanceOf(
      InvalidDigestError,
    );
    expect(metadata.links.has(`${REPOSITORY}@${sha256(data)}`)).toBe(false);
  });

  it('refuses a malformed digest and a chunk that does not start at 0 before reading a byte', async () => {
    const data = randomBytes(100);
    await expect(uploads.uploadWhole(REPOSITORY, 'sha256:xyz', whole(data))).rejects.toBeInstanceOf(
      InvalidDigestError,
    );
    const late = { ...whole(data), start: 10 };
    await expect(uploads.uploadWhole(REPOSITORY, sha256(data), late)).rejects.toEqual(
      new UploadOutOfOrderError(0),
    );
    expect(blobCalls).toEqual([]);
    expect(observed).toEqual([]);
    await expectEmptyStorage();
  });

  it.each([
    ['ends short of', 1_000, 600],
    ['runs past', 1_000, 1_400],
  ])(
    'refuses a body that %s its declared length with SIZE_INVALID and keeps nothing',
    async (_, declared, sent) => {
      const data = randomBytes(sent);
      await expect(
        uploads.uploadWhole(REPOSITORY, sha256(data), whole(data, declared)),
      ).rejects.toBeInstanceOf(InvalidSizeError);
      await expectEmptyStorage();
      expect(metadata.blobs.size).toBe(0);
      expect(coordinatorCalls).toEqual([]);
    },
  );

  it('keeps nothing of a body cut short', async () => {
    const data = randomBytes(50_000);
    const chunk = { body: brokenBody(data.subarray(0, 10_000)), length: data.length };
    await expect(uploads.uploadWhole(REPOSITORY, sha256(data), chunk)).rejects.toThrow();
    await expectEmptyStorage();
    expect(metadata.blobs.size).toBe(0);
    expect(observed.filter((event) => event.startsWith('blobUploaded'))).toEqual([]);
    expect(coordinatorCalls).toEqual([]);
  });

  it('keeps nothing when the write fails', async () => {
    const data = randomBytes(50_000);
    blobs.failPuts = true;
    const chunk = whole(data);
    await expect(uploads.uploadWhole(REPOSITORY, sha256(data), chunk)).rejects.toThrow(
      'no space left on device',
    );
    blobs.failPuts = false;
    await expectEmptyStorage();
    expect(metadata.blobs.size).toBe(0);
    expect(coordinatorCalls).toEqual([]);
  });
});
