export * from './port';
export { createBlobStore, type BlobStoreConfig } from './create-blob-store';
export { FilesystemBlobStore } from './filesystem/filesystem-blob-store';
export { filesystemOptionsSchema, type FilesystemBlobStoreOptions } from './filesystem/filesystem-options';
export { s3OptionsSchema, type S3BlobStoreOptions, type S3BlobStoreSettings } from './s3/s3-options';
