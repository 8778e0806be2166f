import { InvalidKeyError } from '../errors';
import { S3Layout } from './s3-layout';

describe('S3Layout', () => {
  it.each([
    ['no prefix', undefined, 'objects/'],
    ['an empty prefix', '', 'objects/'],
    ['a prefix in slashes', '/tenant/a/', 'tenant/a/objects/'],
  ])('keeps objects under one folder with %s', (_label, prefix, folder) => {
    const layout = new S3Layout(prefix);
    expect(layout.objectPrefix('')).toBe(folder);
    expect(layout.objectPrefix('blobs/ab')).toBe(`${folder}blobs/ab`);
    expect(layout.objectPrefix('blobs/')).toBe(`${folder}blobs/`);
    expect(layout.keyOfObject(`${folder}blobs/abc`)).toBe('blobs/abc');
    expect(layout.keyOfObject(`${folder}blobs/`)).toBeUndefined();
    expect(layout.keyOfObject(layout.stagedKey('0', 'blobs/abc', 'tail'))).toBeUndefined();
  });

  it.each(['/', '../a', 'a//', 'a b'])('refuses the prefix %j', (prefix) => {
    expect(() => new S3Layout().objectPrefix(prefix)).toThrow(InvalidKeyError);
  });
});
