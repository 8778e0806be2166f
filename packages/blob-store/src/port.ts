// The BlobStore port alone, for code that must not depend on any storage backend: nothing here
// constructs an adapter or loads a driver. The adapters are in the package's main entry.
export * from './blob-store';
export * from './errors';
export { assertValidKey } from './keys';
