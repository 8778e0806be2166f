import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { BlobStore, ResumableWrite } from '../blob-store';

/** One mebibyte. */
export const MiB = 1024 * 1024;

// Bodies arrive in pieces of this size, as from a socket.
const CHUNK_SIZE = 64 * 1024;

/** Random bytes, so that misplaced bytes never compare equal by accident. */
export function bytes(size: number): Buffer {
  return randomBytes(size);
}

/** A stream of `data` in socket-sized chunks. */
export function streamOf(data: Buffer): Readable {
  return Readable.from(chunks(data, data.length), { objectMode: false });
}

/** A stream that sends the first `failAfter` bytes of `data`, then fails as a dropped client does. */
export function failingStream(data: Buffer, failAfter: number): Readable {
  return Readable.from(failing(data, failAfter), { objectMode: false });
}

/** Everything a stream holds. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

/** A whole object's bytes. */
export async function readObject(store: BlobStore, key: string): Promise<Buffer> {
  return readAll((await store.read(key)).stream);
}

/** Length and sha256 of some bytes, which jest compares and prints better than megabytes of Buffer. */
export function digestOf(data: Buffer): { length: number; sha256: string } {
  return { length: data.length, sha256: createHash('sha256').update(data).digest('hex') };
}

/** The state as another process gets it back after it was saved as JSON. */
export function saved(write: ResumableWrite): ResumableWrite {
  return JSON.parse(JSON.stringify(write)) as ResumableWrite;
}

/** A key no other test uses. */
export function uniqueKey(label: string): string {
  return `contract/${label}/${randomBytes(6).toString('hex')}`;
}

function* chunks(data: Buffer, end: number): Generator<Buffer> {
  for (let offset = 0; offset < end; offset += CHUNK_SIZE) {
    yield data.subarray(offset, Math.min(offset + CHUNK_SIZE, end));
  }
}

async function* failing(data: Buffer, failAfter: number): AsyncGenerator<Buffer> {
  yield* chunks(data, failAfter);
  // Give the store time to act on what it has, as a real client's failure comes later than its bytes.
  await new Promise((resolve) => setTimeout(resolve, 20));
  throw new Error('the client went away');
}
