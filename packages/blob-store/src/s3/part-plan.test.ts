import { ByteSource } from './byte-source';
import { bufferedPieces, streamedPieces } from './part-plan';
import { MIN_PART_SIZE } from './s3-limits';

const MiB = 1024 * 1024;
const PART = 8 * MiB;

async function sizesOf(pieces: AsyncIterable<{ size: number; body: AsyncIterable<unknown> | Buffer }>) {
  const sizes: number[] = [];
  for await (const piece of pieces) {
    // Each piece must be read before the next one exists.
    if (!Buffer.isBuffer(piece.body)) for await (const _ of piece.body);
    sizes.push(piece.size);
  }
  return sizes;
}

function sourceOf(size: number): ByteSource {
  async function* chunks(): AsyncGenerator<Buffer> {
    for (let sent = 0; sent < size; sent += MiB) yield Buffer.alloc(Math.min(MiB, size - sent));
  }
  return new ByteSource(chunks());
}

describe('streamedPieces', () => {
  it.each([
    [0, []],
    [3 * MiB, [3 * MiB]],
    [MIN_PART_SIZE, [MIN_PART_SIZE]],
    [6 * MiB, [6 * MiB]],
    [PART, [PART]],
    [PART + 3 * MiB, [PART + 3 * MiB]],
    [2 * PART + 6 * MiB, [PART, PART + 6 * MiB]],
    [3 * PART, [PART, PART, PART]],
  ])('cuts %i bytes into %j with no tail unless the whole is under 5 MiB', async (total, sizes) => {
    await expect(sizesOf(streamedPieces(sourceOf(total), total, PART))).resolves.toEqual(sizes);
  });

  it('rejects a source longer than declared', async () => {
    await expect(sizesOf(streamedPieces(sourceOf(6 * MiB), 5 * MiB, PART))).rejects.toThrow('longer');
  });

  it('rejects a source shorter than declared', async () => {
    await expect(sizesOf(streamedPieces(sourceOf(6 * MiB), 7 * MiB, PART))).rejects.toThrow('early');
  });
});

describe('bufferedPieces', () => {
  it.each([
    [0, []],
    [3 * MiB, [3 * MiB]],
    [PART, [PART]],
    [PART + 3 * MiB, [PART, 3 * MiB]],
    [2 * PART + 6 * MiB, [PART, PART, 6 * MiB]],
  ])('cuts %i bytes into parts of at most one part size: %j', async (total, sizes) => {
    await expect(sizesOf(bufferedPieces(sourceOf(total), PART))).resolves.toEqual(sizes);
  });
});
