import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { Baseline } from '../scenario';
import type { Sizes } from '../options';
import { payloadChunks, payloadStream, type Payload } from '../oci/payload';
import { readVerified } from '../oci/verify';
import { BUCKETS } from '../targets/s3rver';
import { formatSize, megabytesPerSecond, MiB, timed } from '../util/units';

/** Berth's default multipart part size (blobs.s3.partSize). */
const PART_SIZE = 8 * MiB;

/**
 * s3rver itself, driven by @aws-sdk/client-s3 configured as Berth's S3 adapter is: one PutObject
 * of a streamed body, one GetObject read and verified, and a multipart upload of 8 MiB parts sent
 * one after the other (how a registry stores a blob whose size it does not know up front). The
 * ceilings of any registry on this S3.
 */
export function s3rverRaw(sizes: Sizes): Baseline {
  const size = formatSize(sizes.s3Raw);
  return {
    id: 's3rver',
    title: `raw s3rver PutObject/GetObject/multipart, ${size}`,
    metrics: [
      { id: 's3rver-put', label: `raw s3rver PutObject ${size}`, unit: 'MB/s', better: 'higher' },
      {
        id: 's3rver-get',
        label: `raw s3rver GetObject ${size}, sha256 verified`,
        unit: 'MB/s',
        better: 'higher',
      },
      {
        id: 's3rver-multipart',
        label: `raw s3rver multipart upload ${size}, ${formatSize(PART_SIZE)} parts`,
        unit: 'MB/s',
        better: 'higher',
      },
    ],
    needsS3: true,
    async run(context) {
      if (!context.s3) throw new Error('s3rver is not running');
      const client = context.s3.client();
      const payload = context.payload('s3rver', sizes.s3Raw);
      const object = { Bucket: BUCKETS.raw, Key: `raw/${payload.seed}` };
      const multipart = { Bucket: BUCKETS.raw, Key: `raw/${payload.seed}-multipart` };
      try {
        const put = await timed(() =>
          client.send(
            new PutObjectCommand({ ...object, Body: payloadStream(payload), ContentLength: payload.size }),
          ),
        );
        const get = await timed(async () => {
          const response = await client.send(new GetObjectCommand(object));
          await readVerified(response.Body as Readable, payload.digest, payload.size);
        });
        await client.send(new DeleteObjectCommand(object));
        const parts = await timed(() => uploadInParts(client, multipart, payload));
        return [
          { metric: 's3rver-put', value: megabytesPerSecond(payload.size, put.ms) },
          { metric: 's3rver-get', value: megabytesPerSecond(payload.size, get.ms) },
          {
            metric: 's3rver-multipart',
            value: megabytesPerSecond(payload.size, parts.ms),
            detail: parts.result,
          },
        ];
      } finally {
        await client.send(new DeleteObjectCommand(object)).catch(() => undefined);
        await client.send(new DeleteObjectCommand(multipart)).catch(() => undefined);
        client.destroy();
      }
    },
  };
}

/** Uploads the payload as a multipart upload, one part at a time; returns how long completion took. */
async function uploadInParts(
  client: S3Client,
  object: { Bucket: string; Key: string },
  payload: Payload,
): Promise<{ parts: number; completeMs: number }> {
  const { UploadId } = await client.send(new CreateMultipartUploadCommand(object));
  const parts: CompletedPart[] = [];
  let pending: Buffer[] = [];
  let pendingSize = 0;
  const flush = async (): Promise<void> => {
    const PartNumber = parts.length + 1;
    const body = Buffer.concat(pending, pendingSize);
    const { ETag } = await client.send(
      new UploadPartCommand({ ...object, UploadId, PartNumber, Body: body }),
    );
    parts.push({ ETag, PartNumber });
    pending = [];
    pendingSize = 0;
  };
  for (const chunk of payloadChunks(payload.seed, payload.size)) {
    pending.push(chunk);
    pendingSize += chunk.length;
    if (pendingSize >= PART_SIZE) await flush();
  }
  if (pendingSize > 0) await flush();
  const complete = await timed(() =>
    client.send(
      new CompleteMultipartUploadCommand({ ...object, UploadId, MultipartUpload: { Parts: parts } }),
    ),
  );
  return { parts: parts.length, completeMs: Math.round(complete.ms) };
}
