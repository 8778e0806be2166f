import { pgliteOptionsSchema } from './pglite-options';

describe('PGlite options', () => {
  it('keep the database under ./data/metadata by default', () => {
    expect(pgliteOptionsSchema.parse({})).toEqual({ dataDir: './data/metadata' });
  });

  it('refuse an empty directory and an option they do not have', () => {
    expect(pgliteOptionsSchema.safeParse({ dataDir: '' }).success).toBe(false);
    expect(pgliteOptionsSchema.safeParse({ dataDirectory: '/data' }).success).toBe(false);
  });
});
