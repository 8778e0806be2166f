import { tmpdir } from 'node:os';
import { createBlobStore } from './create-blob-store';
import { FilesystemBlobStore } from './filesystem/filesystem-blob-store';
import { S3BlobStore } from './s3/s3-blob-store';

describe('createBlobStore', () => {
  it('builds the filesystem store', () => {
    expect(createBlobStore({ driver: 'filesystem', root: tmpdir() })).toBeInstanceOf(FilesystemBlobStore);
  });

  it('builds the S3 store', async () => {
    const store = createBlobStore({
      driver: 's3',
      bucket: 'b',
      region: 'us-east-1',
      partSize: 16 * 1024 * 1024,
    });
    expect(store).toBeInstanceOf(S3BlobStore);
    await store.close();
  });

  // The bounds themselves are the options schema's (s3-options.test.ts); the factory applies them.
  it.each([1024, 5 * 1024 * 1024 - 1, 2 ** 40, 5 * 1024 * 1024 + 0.5])(
    'refuses an S3 part size of %i',
    (partSize) => {
      expect(() => createBlobStore({ driver: 's3', bucket: 'b', partSize })).toThrow('partSize');
    },
  );

  it('refuses an option the driver does not have', () => {
    expect(() => createBlobStore({ driver: 'filesystem', root: tmpdir(), bucket: 'b' } as never)).toThrow(
      'bucket',
    );
  });

  it('refuses half a pair of S3 keys', () => {
    expect(() => createBlobStore({ driver: 's3', bucket: 'b', accessKeyId: 'id' })).toThrow(
      'secretAccessKey',
    );
  });
});
