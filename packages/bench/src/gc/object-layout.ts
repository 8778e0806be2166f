import { join } from 'node:path';

/**
 * Where Berth's filesystem store keeps blob objects: core writes every blob at the key
 * `blobs/<upload id>` (a UUID), and the store keeps the object of key K at <root>/objects/K.
 * The layout probe checks this against a blob pushed over HTTP before anything relies on it.
 */
export const objectFolder = (blobRoot: string): string => join(blobRoot, 'objects', 'blobs');

export const storageKeyOf = (name: string): string => `blobs/${name}`;

export const STORAGE_KEY = /^blobs\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
