export * from './blob-store';
export * from './errors';
export { assertValidKey } from './keys';
export { createBlobStore, type BlobStoreConfig } from './create-blob-store';
export { FilesystemBlobStore, type FilesystemBlobStoreOptions } from './filesystem/filesystem-blob-store';
export { S3BlobStore, type S3BlobStoreOptions } from './s3/s3-blob-store';
