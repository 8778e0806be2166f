export * from './errors/error-codes';
export * from './errors/domain-errors';
export * from './errors/access-errors';
export * from './oci/digest';
export * from './oci/media-types';
export * from './oci/names';
export { parseManifest, type Descriptor } from './oci/manifest';
export type { ResourceAccess } from './auth/access';
export * from './auth/identity';
export * from './auth/access-policy';
export * from './auth/authenticator';
export { NamespaceResolver } from './auth/namespaces';
export { formatScope, parseScopes } from './auth/scopes';
export * from './services/access-administration';
export { BlobService } from './services/blob-service';
export * from './services/gc-reports';
export type { GcRunReport } from './services/gc-run-log';
export * from './services/gc-service';
export * from './services/listing-service';
export * from './services/manifest-cache';
export * from './services/manifest-service';
export * from './services/metadata-services';
export * from './services/registry-services';
export type { JanitorObserver, UploadJanitor } from './services/upload-janitor';
export type {
  Chunk,
  StoredBlob,
  UploadObserver,
  UploadProgress,
  UploadService,
} from './services/upload-service';
export * from './workers/event-pruner';
export * from './workers/garbage-collector';
export * from './workers/lease';
export * from './workers/orphan-sweeper';
export type * from './workers/worker';
export * from './workers/worker-runtime';
