import type { BlobStore } from './blob-store';
import { FilesystemBlobStore } from './filesystem/filesystem-blob-store';
import type { FilesystemBlobStoreOptions } from './filesystem/filesystem-options';
import { S3BlobStore } from './s3/s3-blob-store';
import type { S3BlobStoreOptions } from './s3/s3-options';

/**
 * The S3 deadlines in milliseconds, as the server's registry.ts still passes them. Transitional:
 * once it passes `config.blobs.s3` as it is (the options take seconds), this goes.
 */
interface MillisecondDeadlines {
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
}

/** Each driver's options, by driver name. */
interface DriverOptions {
  filesystem: FilesystemBlobStoreOptions;
  s3: S3BlobStoreOptions & MillisecondDeadlines;
}

/** Which BlobStore to use and how to reach it, as configuration gives it. */
export type BlobStoreConfig = {
  [D in keyof DriverOptions]: { driver: D } & DriverOptions[D];
}[keyof DriverOptions];

const drivers: { [D in keyof DriverOptions]: (options: DriverOptions[D]) => BlobStore } = {
  filesystem: (options) => new FilesystemBlobStore(options),
  s3: ({ connectTimeoutMs, requestTimeoutMs, ...options }) =>
    new S3BlobStore({
      ...options,
      ...(connectTimeoutMs !== undefined ? { connectTimeoutSeconds: connectTimeoutMs / 1000 } : {}),
      ...(requestTimeoutMs !== undefined ? { requestTimeoutSeconds: requestTimeoutMs / 1000 } : {}),
    }),
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
