import { assertValidKey } from '../keys';

/** Where the S3 adapter keeps each thing in its bucket; the tree is drawn in s3-blob-store.ts. */
export class S3Layout {
  private readonly prefix: string;

  constructor(prefix = '') {
    const trimmed = prefix.replace(/^\/+|\/+$/g, '');
    this.prefix = trimmed === '' ? '' : `${assertValidKey(trimmed)}/`;
  }

  /** The key of a committed object. */
  objectKey(key: string): string {
    return `${this.prefix}objects/${assertValidKey(key)}`;
  }

  /** The folder of a resumable write's staged objects. */
  stagingFolder(writeId: string): string {
    return `${this.prefix}staging/${writeId}/`;
  }

  /** The key of one staged tail of a resumable write. */
  tailKey(writeId: string, tailName: string): string {
    return `${this.stagingFolder(writeId)}${tailName}`;
  }
}
