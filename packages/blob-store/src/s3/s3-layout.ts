import { assertValidKey, assertValidKeyPrefix, isValidKey } from '../keys';
import { isStagingId } from '../staging-ids';

const MARKER_PREFIX = 'upload-';

/** Where a staged object sits: its write, the key the write will become, and its own name. */
export interface StagedObject {
  writeId: string;
  key: string;
  name: string;
}

/** Where the S3 adapter keeps each thing in its bucket; the tree is drawn in s3-blob-store.ts. */
export class S3Layout {
  private readonly prefix: string;

  constructor(prefix = '') {
    const trimmed = prefix.replace(/^\/+|\/+$/g, '');
    this.prefix = trimmed === '' ? '' : `${assertValidKey(trimmed)}/`;
  }

  /** The folder of every committed object and of every multipart upload. */
  get objectsFolder(): string {
    return `${this.prefix}objects/`;
  }

  /** The folder of every resumable write's staged objects. */
  get stagingRoot(): string {
    return `${this.prefix}staging/`;
  }

  /** The key of a committed object. */
  objectKey(key: string): string {
    return `${this.objectsFolder}${assertValidKey(key)}`;
  }

  /** The bucket prefix of the committed objects whose keys start with `prefix`. */
  objectPrefix(prefix: string): string {
    return `${this.objectsFolder}${assertValidKeyPrefix(prefix)}`;
  }

  /** The caller's key of a bucket key under objects/, or undefined for any other bucket key. */
  keyOfObject(objectKey: string): string | undefined {
    if (!objectKey.startsWith(this.objectsFolder)) return undefined;
    const key = objectKey.slice(this.objectsFolder.length);
    return isValidKey(key) ? key : undefined;
  }

  /** The folder of one resumable write's staged objects. */
  stagingFolder(writeId: string, key: string): string {
    return `${this.stagingRoot}${writeId}/${assertValidKey(key)}/`;
  }

  /** The bucket key of one staged object of a resumable write. */
  stagedKey(writeId: string, key: string, name: string): string {
    return `${this.stagingFolder(writeId, key)}${name}`;
  }

  /** Reads a bucket key back as a staged object; undefined for anything this layout did not name. */
  parseStagedKey(stagedKey: string): StagedObject | undefined {
    if (!stagedKey.startsWith(this.stagingRoot)) return undefined;
    const segments = stagedKey.slice(this.stagingRoot.length).split('/');
    const [writeId, name] = [segments[0], segments.at(-1)];
    const key = segments.slice(1, -1).join('/');
    if (!isStagingId(writeId) || name === undefined || !isValidKey(key)) return undefined;
    return { writeId, key, name };
  }
}

/**
 * The name of the staged object that records a write's multipart upload, so that a write found in
 * staging/ can be aborted whole. Upload ids may hold any character, so the name carries base64url.
 */
export function uploadMarkerName(uploadId: string): string {
  return `${MARKER_PREFIX}${Buffer.from(uploadId, 'utf8').toString('base64url')}`;
}

/** The upload id that a staged object's name records, or undefined when it is not a marker. */
export function uploadIdOfMarker(name: string): string | undefined {
  if (!name.startsWith(MARKER_PREFIX)) return undefined;
  const uploadId = Buffer.from(name.slice(MARKER_PREFIX.length), 'base64url').toString('utf8');
  return uploadId !== '' && uploadMarkerName(uploadId) === name ? uploadId : undefined;
}
