import { createCipheriv, randomBytes } from 'node:crypto';

/** A new seed for seededBytes. */
export const newSeed = (): Buffer => randomBytes(16);

/**
 * `size` bytes that `seed` determines (AES-128-CTR over zeros): pushed once, then made again for the
 * final byte-for-byte check instead of holding every pushed blob in memory.
 */
export function seededBytes(seed: Buffer, size: number): Buffer {
  return createCipheriv('aes-128-ctr', seed, Buffer.alloc(16)).update(Buffer.alloc(size));
}
