import type { S3Client } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import type { S3Layout } from './s3-layout';

/** What the parts of the S3 adapter share. */
export interface S3Context {
  readonly client: S3Client;
  readonly bucket: string;
  readonly layout: S3Layout;
  readonly partSize: number;
  /** Entries per page of object listings. */
  readonly listPageSize: number;
}

/** A GetObject reply's body as a Node stream (the SDK's type also admits browser streams). */
export function nodeStream(body: unknown): Readable {
  if (body instanceof Readable) return body;
  throw new Error('expected a Node.js stream as the object body');
}
