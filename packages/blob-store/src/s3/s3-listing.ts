import {
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type MultipartUpload,
  type _Object,
} from '@aws-sdk/client-s3';
import type { S3Context } from './s3-context';

/** The most entries S3 returns in one page of a listing, and what it returns when not told. */
export const DEFAULT_LIST_PAGE_SIZE = 1000;

/** The objects under a prefix in key order (UTF-8 bytes), a page at a time. */
export async function* listObjects(s3: S3Context, prefix: string): AsyncGenerator<_Object> {
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.client.send(
      new ListObjectsV2Command({
        Bucket: s3.bucket,
        Prefix: prefix,
        ContinuationToken,
        MaxKeys: s3.listPageSize,
      }),
    );
    yield* page.Contents ?? [];
    ContinuationToken = page.NextContinuationToken;
  } while (ContinuationToken !== undefined);
}

/** The incomplete multipart uploads of keys under a prefix, a page at a time. */
export async function* listMultipartUploads(s3: S3Context, prefix: string): AsyncGenerator<MultipartUpload> {
  let KeyMarker: string | undefined;
  let UploadIdMarker: string | undefined;
  do {
    const page = await s3.client.send(
      new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: prefix, KeyMarker, UploadIdMarker }),
    );
    yield* page.Uploads ?? [];
    KeyMarker = page.IsTruncated === true ? page.NextKeyMarker : undefined;
    UploadIdMarker = page.NextUploadIdMarker;
  } while (KeyMarker !== undefined);
}
