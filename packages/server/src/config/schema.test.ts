import { filesystemOptionsSchema, s3OptionsSchema } from '@berth/blob-store';
import { redisOptionsSchema } from '@berth/coordinator';
import { pgliteOptionsSchema, postgresOptionsSchema } from '@berth/metadata-store';
import { z } from 'zod';
import { configSchema } from './schema';

/** Every object schema reachable from `schema`, each with the path it is reached by. */
function objectsIn(schema: z.ZodType, path = 'config', seen = new Set<unknown>()): [string, z.ZodObject][] {
  if (seen.has(schema)) return [];
  seen.add(schema);
  const found: [string, z.ZodObject][] = schema instanceof z.ZodObject ? [[path, schema]] : [];
  const visit = (value: unknown, at: string): void => {
    if (value instanceof z.ZodType) found.push(...objectsIn(value, at, seen));
    else if (Array.isArray(value)) value.forEach((item, index) => visit(item, `${at}|${index}`));
  };
  const def = schema._zod.def as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(def)) {
    if (key === 'shape' && typeof value === 'object' && value !== null) {
      for (const [name, child] of Object.entries(value)) visit(child, `${path}.${name}`);
    } else if (key !== 'catchall') {
      visit(value, path);
    }
  }
  return found;
}

describe('the configuration schema', () => {
  it('refuses unknown keys in every group, lists of groups included', () => {
    const objects = objectsIn(configSchema);
    // A walk that found nothing would make the check below pass.
    expect(objects.length).toBeGreaterThan(30);
    const lax = objects.filter(([, object]) => !(object._zod.def.catchall instanceof z.ZodNever));
    expect(lax.map(([path]) => path)).toEqual([]);
  });

  it.each([
    ['blobs.filesystem', { blobs: {} }, filesystemOptionsSchema, {}],
    ['blobs.s3', { blobs: { driver: 's3', s3: { bucket: 'b' } } }, s3OptionsSchema, { bucket: 'b' }],
    ['metadata.pglite', { metadata: {} }, pgliteOptionsSchema, {}],
    [
      'metadata.postgres',
      { metadata: { driver: 'postgres', postgres: { url: 'postgres://db' } } },
      postgresOptionsSchema,
      { url: 'postgres://db' },
    ],
    [
      'coordinator.redis',
      { coordinator: { driver: 'redis', redis: { url: 'redis://r' } } },
      redisOptionsSchema,
      { url: 'redis://r' },
    ],
  ] as const)("takes %s as its adapter's own options", (path, input, adapterSchema, options) => {
    const [group, key] = path.split('.') as [string, string];
    const config = configSchema.parse(input) as unknown as Record<string, Record<string, unknown>>;
    expect(config[group]?.[key]).toEqual((adapterSchema as z.ZodType).parse(options));
  });

  it('bounds the S3 part size where the S3 adapter does', () => {
    const partSize = (size: number) =>
      configSchema.safeParse({ blobs: { driver: 's3', s3: { bucket: 'b', partSize: size } } }).success;
    const adapter = (size: number) => s3OptionsSchema.safeParse({ bucket: 'b', partSize: size }).success;
    for (const size of [1024, 5 * 2 ** 20, 2 ** 30, 2 ** 30 + 1, 2 ** 31])
      expect(partSize(size)).toBe(adapter(size));
    expect(partSize(2 ** 31)).toBe(false);
  });
});
