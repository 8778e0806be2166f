import { createHash } from 'node:crypto';

/** Reads a body to its end, hashing it as it streams; throws unless digest and size match. */
export async function readVerified(
  body: AsyncIterable<Buffer>,
  digest: string,
  size: number,
): Promise<number> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of body) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  const received = `sha256:${hash.digest('hex')}`;
  if (received !== digest || bytes !== size) {
    throw new Error(`received ${bytes} bytes of ${received}, expected ${size} bytes of ${digest}`);
  }
  return bytes;
}
