import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

interface ParsedHash {
  cost: ScryptCost;
  salt: Buffer;
  key: Buffer;
}

const SCHEME = 'scrypt';
// N=2^15, r=8 costs 32 MiB per derivation: expensive for GPU cracking, still ~50-100 ms per login.
const COST: ScryptCost = { N: 2 ** 15, r: 8, p: 1 };
const SALT_BYTES = 16;
const KEY_BYTES = 32;
// Parameters come from stored hashes; this cap keeps a corrupted or planted hash from exhausting memory.
const MAX_MEMORY_BYTES = 256 * 1024 * 1024;

/** Memory scrypt needs, as OpenSSL counts it: Node's default limit of 32 MiB is too low for our cost. */
function memoryFor({ N, r, p }: ScryptCost): number {
  return 128 * r * (N + p + 2);
}

function derive(secret: string, salt: Buffer, keyLength: number, cost: ScryptCost): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, keyLength, { ...cost, maxmem: memoryFor(cost) }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

function positiveInteger(text: string | undefined): number | undefined {
  return text !== undefined && /^[1-9][0-9]{0,9}$/.test(text) ? Number(text) : undefined;
}

function fromBase64(text: string | undefined): Buffer | undefined {
  return text !== undefined && /^[A-Za-z0-9+/]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : undefined;
}

/** `scrypt$N$r$p$salt$key`, or undefined if the string is not one we could have written. */
function parseHash(hash: string): ParsedHash | undefined {
  const fields = hash.split('$');
  if (fields.length !== 6 || fields[0] !== SCHEME) return undefined;
  const [N, r, p] = fields.slice(1, 4).map(positiveInteger);
  const [salt, key] = fields.slice(4).map(fromBase64);
  if (N === undefined || r === undefined || p === undefined || !salt?.length || !key?.length) {
    return undefined;
  }
  const cost = { N, r, p };
  return memoryFor(cost) <= MAX_MEMORY_BYTES ? { cost, salt, key } : undefined;
}

/** Hashes a password or robot secret; the result names its parameters so they can be raised later. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(secret, salt, KEY_BYTES, COST);
  const { N, r, p } = COST;
  return [SCHEME, N, r, p, salt.toString('base64'), key.toString('base64')].join('$');
}

/** Whether `secret` matches `hash`; false, never an error, for a hash that is malformed. */
export async function verifySecret(secret: string, hash: string): Promise<boolean> {
  const parsed = parseHash(hash);
  if (!parsed) return false;
  let key: Buffer;
  try {
    key = await derive(secret, parsed.salt, parsed.key.length, parsed.cost);
  } catch {
    // OpenSSL rejects some parameter combinations that parse (e.g. N not a power of two).
    return false;
  }
  return timingSafeEqual(key, parsed.key);
}

/** A new random secret for a robot account: 256 bits, URL-safe. */
export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the time a real check would, then fails. Call it when the user does not exist, so that
 * response times do not tell an attacker which user names are taken.
 */
export async function verifyAgainstDummy(secret: string): Promise<false> {
  dummyHash ??= hashSecret(generateSecret());
  await verifySecret(secret, await dummyHash);
  return false;
}
