import {
  AbortMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
  type MultipartUpload,
} from '@aws-sdk/client-s3';

/** Which S3-compatible server the tests run against. */
export type S3TestTarget = 'ceph' | 's3rver';

/** How to reach an S3-compatible server, in the shape the S3 BlobStore's options take. */
export interface S3Endpoint {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly forcePathStyle: true;
}

/** An S3-compatible server for tests, with a bucket of the caller's own. */
export interface S3TestServer extends S3Endpoint {
  readonly kind: S3TestTarget;
  readonly bucket: string;
  /** Keys under `prefix`, plus its incomplete multipart uploads where the server can list them. */
  listLeftovers(prefix: string): Promise<string[]>;
  /** Removes the bucket and everything in it, and what else the server needed. */
  stop(): Promise<void>;
}

/** An S3 client for a test server, with the checksum settings that every such server accepts. */
export function testS3Client(endpoint: S3Endpoint): S3Client {
  const { accessKeyId, secretAccessKey } = endpoint;
  return new S3Client({
    endpoint: endpoint.endpoint,
    region: endpoint.region,
    forcePathStyle: endpoint.forcePathStyle,
    credentials: { accessKeyId, secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Lists object keys, and incomplete multipart uploads when `uploads` is set, under a prefix. */
export async function listUnderPrefix(
  client: S3Client,
  bucket: string,
  prefix: string,
  { uploads }: { uploads: boolean },
): Promise<string[]> {
  const found: string[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }),
    );
    for (const { Key } of page.Contents ?? []) found.push(Key ?? '');
    ContinuationToken = page.NextContinuationToken;
  } while (ContinuationToken !== undefined);
  if (uploads) {
    for (const upload of await listUploads(client, bucket, prefix))
      found.push(`${upload.Key} (incomplete upload)`);
  }
  return found;
}

/** Aborts every incomplete upload, deletes every object, then the bucket itself. */
export async function deleteBucket(client: S3Client, bucket: string): Promise<void> {
  for (const { Key, UploadId } of await listUploads(client, bucket, '')) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key, UploadId }));
  }
  for (const Key of await listUnderPrefix(client, bucket, '', { uploads: false })) {
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
  }
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}

async function listUploads(client: S3Client, bucket: string, prefix: string): Promise<MultipartUpload[]> {
  const found: MultipartUpload[] = [];
  let KeyMarker: string | undefined;
  let UploadIdMarker: string | undefined;
  do {
    const page = await client.send(
      new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker, UploadIdMarker }),
    );
    found.push(...(page.Uploads ?? []));
    KeyMarker = page.IsTruncated === true ? page.NextKeyMarker : undefined;
    UploadIdMarker = page.NextUploadIdMarker;
  } while (KeyMarker !== undefined);
  return found;
}
