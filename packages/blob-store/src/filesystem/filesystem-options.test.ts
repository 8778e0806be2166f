import { filesystemOptionsSchema } from './filesystem-options';

describe('filesystem options', () => {
  it('keep the store under ./data/blobs by default', () => {
    expect(filesystemOptionsSchema.parse({})).toEqual({ root: './data/blobs' });
  });

  it('refuse an empty root and an option they do not have', () => {
    expect(filesystemOptionsSchema.safeParse({ root: '' }).success).toBe(false);
    expect(filesystemOptionsSchema.safeParse({ rot: '/data' }).success).toBe(false);
  });
});
