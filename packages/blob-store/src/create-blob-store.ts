import type { BlobStore } from './blob-store';
import { FilesystemBlobStore, type FilesystemBlobStoreOptions } from './filesystem/filesystem-blob-store';
import { S3BlobStore, type S3BlobStoreOptions } from './s3/s3-blob-store';

/** Each driver's options, by driver name. */
interface DriverOptions {
  filesystem: FilesystemBlobStoreOptions;
  s3: S3BlobStoreOptions;
}

/** Which BlobStore to use and how to reach it, as configuration gives it. */
export type BlobStoreConfig = {
  [D in keyof DriverOptions]: { driver: D } & DriverOptions[D];
}[keyof DriverOptions];

const drivers: { [D in keyof DriverOptions]: (options: DriverOptions[D]) => BlobStore } = {
  filesystem: (options) => new FilesystemBlobStore(options),
  s3: (options) => new S3BlobStore(options),
};

/** Builds the BlobStore that `config.driver` names. */
export function createBlobStore(config: BlobStoreConfig): BlobStore {
  return createWith(config);
}

function createWith<D extends keyof DriverOptions>(config: { driver: D } & DriverOptions[D]): BlobStore {
  return drivers[config.driver](config);
}
