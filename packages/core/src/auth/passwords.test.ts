import { randomBytes, scryptSync } from 'node:crypto';
import { generateSecret, hashSecret, verifyAgainstDummy, verifySecret } from './passwords';

describe('hashSecret / verifySecret', () => {
  it('accepts the secret it hashed and refuses others', async () => {
    const hash = await hashSecret('correct horse');
    expect(await verifySecret('correct horse', hash)).toBe(true);
    expect(await verifySecret('correct horsf', hash)).toBe(false);
    expect(await verifySecret('', hash)).toBe(false);
  });

  it('writes a self-describing hash with a random salt', async () => {
    const [first, second] = await Promise.all([hashSecret('same'), hashSecret('same')]);
    expect(first).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect(first).not.toBe(second);
  });

  it('verifies hashes written with other parameters', async () => {
    const salt = randomBytes(16);
    const key = scryptSync('s3cret', salt, 24, { N: 2 ** 12, r: 4, p: 2 });
    const older = `scrypt$4096$4$2$${salt.toString('base64')}$${key.toString('base64')}`;
    expect(await verifySecret('s3cret', older)).toBe(true);
    expect(await verifySecret('s3cret', older.replace('$4096$', '$8192$'))).toBe(false);
  });

  it.each([
    ['empty', ''],
    ['another scheme', '$2b$10$abcdefghijklmnopqrstuv'],
    ['too few fields', 'scrypt$32768$8$1$c2FsdA=='],
    ['too many fields', 'scrypt$32768$8$1$c2FsdA==$a2V5$extra'],
    ['non-numeric cost', 'scrypt$lots$8$1$c2FsdA==$a2V5'],
    ['zero cost', 'scrypt$0$8$1$c2FsdA==$a2V5'],
    ['N not a power of two', 'scrypt$1000$8$1$c2FsdA==$a2V5'],
    ['cost beyond the memory cap', 'scrypt$1048576$16$1$c2FsdA==$a2V5'],
    ['bad base64', 'scrypt$16384$8$1$not base64!$a2V5'],
    ['empty key', 'scrypt$16384$8$1$c2FsdA==$'],
  ])('returns false for a malformed hash: %s', async (_, hash) => {
    await expect(verifySecret('anything', hash)).resolves.toBe(false);
  });
});

describe('generateSecret', () => {
  it('returns 32 random bytes as base64url', () => {
    const secret = generateSecret();
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generateSecret()).not.toBe(secret);
  });
});

describe('verifyAgainstDummy', () => {
  it('always fails, after doing the work of a real check', async () => {
    await verifyAgainstDummy('warm-up');
    const hash = await hashSecret('password');

    const realStart = process.hrtime.bigint();
    await verifySecret('password', hash);
    const real = process.hrtime.bigint() - realStart;

    const dummyStart = process.hrtime.bigint();
    await expect(verifyAgainstDummy('password')).resolves.toBe(false);
    const dummy = process.hrtime.bigint() - dummyStart;

    // Loose bounds: the point is that a scrypt derivation happened, not a precise timing match.
    expect(Number(dummy)).toBeGreaterThan(Number(real) / 4);
    expect(Number(dummy)).toBeLessThan(Number(real) * 4);
  });
});
