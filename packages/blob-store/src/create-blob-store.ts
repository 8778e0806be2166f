import type { BlobStore } from './blob-store';
import { FilesystemBlobStore } from './filesystem/filesystem-blob-store';
import type { FilesystemBlobStoreOptions } from './filesystem/filesystem-options';
import type * as S3Driver from './s3/s3-blob-store';
import type { S3BlobStoreOptions } from './s3/s3-options';

/**
 * The S3 adapter, loaded on first use: it brings the AWS SDK (with the rest of the drivers, some
 * 19 MiB resident and a tenth of a second at start), which a process on the filesystem never needs.
 */
export function loadS3Driver(): typeof S3Driver {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when used, see above
  return require('./s3/s3-blob-store') as typeof S3Driver;
}

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
  s3: (options) => new (loadS3Driver().S3BlobStore)(options),
};

/** Builds the BlobStore that `config.driver` names; its options are checked by the driver's schema. */
export function createBlobStore(config: BlobStoreConfig): BlobStore {
  return createWith(config);
}

function createWith<D extends keyof DriverOptions>({
  driver,
  ...options
}: { driver: D } & DriverOptions[D]): BlobStore {
  return drivers[driver](options as unknown as DriverOptions[D]);
}
