import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { BlobStore, ResumableWrite } from '../blob-store';

/** One mebibyte. */
export const MiB = 1024 * 1024;

/**
 * Object stores keep times to the second, rounded down: a time taken this long before (or after)
 * an event is before (or after) it on any store.
 */
export const CLOCK_PRECISION_MS = 1100;

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

/** A stream of `data` that stops after `holdAt` bytes until released, as a slow client does. */
export interface HeldStream {
  readonly stream: Readable;
  /** Settles once the store has pulled the first `holdAt` bytes, but for what the stream buffers. */
  readonly held: Promise<void>;
  /** Sends the rest. */
  release(): void;
}

/** A stream of `data` that stops after `holdAt` bytes until released. */
export function heldStream(data: Buffer, holdAt: number): HeldStream {
  let reached = (): void => undefined;
  let release = (): void => undefined;
  const held = new Promise<void>((resolve) => (reached = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  async function* holding(): AsyncGenerator<Buffer> {
    yield* chunks(data.subarray(0, holdAt), holdAt);
    reached();
    await released;
    yield* chunks(data.subarray(holdAt), data.length - holdAt);
  }
  return { stream: Readable.from(holding(), { objectMode: false }), held, release };
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
