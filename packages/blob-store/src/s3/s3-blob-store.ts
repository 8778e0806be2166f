/*
 * Object-key layout in the bucket:
 *
 *   <prefix>/                          the `prefix` option; absent by default
 *   ├── objects/
 *   │   └── <key>                      a committed object, at the caller's key; a resumable write's
 *   │                                  multipart upload targets this key too, unseen until complete
 *   └── staging/
 *       └── <write id>/
 *           └── <key>/                 the key the write will become, so a write is found from here
 *               ├── tail-<attempt id>  last bytes of a resumable write, too few for a part (< 5 MiB)
 *               └── upload-<upload id> empty; records the write's multipart upload (id in base64url)
 *
 * listObjects lists objects/ alone, where S3 shows a multipart upload only once it is complete.
 * A process that dies mid-write, or a client that walks away, leaves a multipart upload and
 * staging/ objects behind; listWrites finds them. Bucket lifecycle rules that abort incomplete
 * multipart uploads and expire staging/ after several days are a backstop for what nobody discards.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Readable } from 'node:stream';
import type {
  BlobStore,
  ByteRange,
  ObjectRead,
  ObjectStat,
  PendingWrite,
  ResumableWrite,
  StoredObject,
} from '../blob-store';
import { bytesOf, MeteredBytes } from '../byte-streams';
import { InvalidRangeError, ObjectNotFoundError } from '../errors';
import { isWellFormedRange, resolveRange } from '../ranges';
import { nodeStream, type S3Context } from './s3-context';
import { DeadlineHttpHandler, DeadlineRetryStrategy } from './s3-deadlines';
import { listCommittedObjects } from './s3-committed-objects';
import { isMissingObject, isUnsatisfiableRange, lackOfSpace, outage } from './s3-errors';
import { S3Layout } from './s3-layout';
import { MAX_PUT_OBJECT_SIZE, MIN_PART_SIZE } from './s3-limits';
import { DEFAULT_LIST_PAGE_SIZE } from './s3-listing';
import { s3OptionsSchema, type S3BlobStoreOptions, type S3BlobStoreSettings } from './s3-options';
import { listPendingWrites } from './s3-pending-writes';
import { S3ResumableWrites } from './s3-resumable-writes';
import { sendWithBody } from './send-with-body';

// Parts of one put in flight at once: a put holds about this many parts in memory, whatever its size.
const PUT_QUEUE_SIZE = 4;
const CONTENT_RANGE = /^bytes (\d+)-(\d+)\/(\d+)$/;

// The SDK would otherwise warn on the console about failures this adapter reports to its caller.
const QUIET_SDK_LOGGER = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Settings that tests change and configuration never does. */
export interface S3BlobStoreInternals {
  /** Entries per page of object listings: S3's own 1000 unless a test crosses pages with fewer objects. */
  listPageSize?: number;
}

/** A BlobStore on S3 or any S3-compatible object store. */
export class S3BlobStore implements BlobStore {
  readonly kind = 's3';
  readonly minEfficientAppend = MIN_PART_SIZE;
  private readonly s3: S3Context;
  private readonly writes: S3ResumableWrites;

  /** Throws a ZodError naming each option out of its bounds (s3OptionsSchema). */
  constructor(options: S3BlobStoreOptions, internals: S3BlobStoreInternals = {}) {
    const settings = s3OptionsSchema.parse(options);
    this.s3 = {
      client: createClient(settings),
      bucket: settings.bucket,
      layout: new S3Layout(settings.prefix),
      partSize: settings.partSize,
      listPageSize: internals.listPageSize ?? DEFAULT_LIST_PAGE_SIZE,
    };
    this.writes = new S3ResumableWrites(this.s3);
  }

  async stat(key: string): Promise<ObjectStat | undefined> {
    const { client, bucket, layout } = this.s3;
    try {
      const { ContentLength } = await client.send(
        new HeadObjectCommand({ Bucket: bucket, Key: layout.objectKey(key) }),
      );
      return { size: ContentLength ?? 0 };
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw error;
    }
  }

  async read(key: string, range?: ByteRange): Promise<ObjectRead> {
    const { client, bucket, layout } = this.s3;
    const Key = layout.objectKey(key);
    // S3 answers a malformed Range with the whole object, so it never gets one.
    if (range !== undefined && !isWellFormedRange(range)) throw new InvalidRangeError(await this.sizeOf(key));
    let reply;
    try {
      reply = await client.send(
        new GetObjectCommand({ Bucket: bucket, Key, Range: range && `bytes=${range.start}-${endOf(range)}` }),
      );
    } catch (error) {
      if (isMissingObject(error)) throw new ObjectNotFoundError(key);
      if (isUnsatisfiableRange(error)) throw new InvalidRangeError(await this.sizeOf(key));
      throw error;
    }
    const stream = nodeStream(reply.Body);
    if (range === undefined) return { stream, size: reply.ContentLength ?? 0 };
    try {
      return { stream, ...checkServedRange(key, range, reply) };
    } catch (error) {
      stream.destroy();
      throw error;
    }
  }

  async put(key: string, body: Readable, size?: number): Promise<ObjectStat> {
    const { client, bucket, layout, partSize } = this.s3;
    const Key = layout.objectKey(key);
    const bytes = new MeteredBytes(bytesOf(body), size);
    const stream = Readable.from(bytes);
    // One streamed PutObject when the size is known: no part is held in memory, and a multipart
    // upload's completion (which some S3 implementations pay for by copying every part) is avoided.
    if (size !== undefined && size <= MAX_PUT_OBJECT_SIZE) {
      const command = new PutObjectCommand({ Bucket: bucket, Key, Body: stream, ContentLength: size });
      await sendWithBody(stream, (options) => client.send(command, options));
    } else {
      // A failed Upload aborts its multipart upload, so nothing becomes visible.
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key, Body: stream },
        partSize,
        queueSize: PUT_QUEUE_SIZE,
      });
      await upload.done();
    }
    return { size: bytes.bytes };
  }

  async delete(key: string): Promise<void> {
    const { client, bucket, layout } = this.s3;
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: layout.objectKey(key) }));
  }

  listObjects(prefix: string): AsyncIterable<StoredObject> {
    return listCommittedObjects(this.s3, prefix);
  }

  async presignRead(key: string, expiresInSeconds: number): Promise<string> {
    const { client, bucket, layout } = this.s3;
    const command = new GetObjectCommand({ Bucket: bucket, Key: layout.objectKey(key) });
    return getSignedUrl(client, command, { expiresIn: expiresInSeconds });
  }

  async startWrite(key: string): Promise<ResumableWrite> {
    return this.writes.start(key);
  }

  append(write: ResumableWrite, body: Readable, length?: number): Promise<ResumableWrite> {
    return this.writes.append(write, body, length);
  }

  commitWrite(write: ResumableWrite): Promise<ObjectStat> {
    return this.writes.commit(write);
  }

  abortWrite(write: ResumableWrite): Promise<void> {
    return this.writes.abort(write);
  }

  listWrites(startedBefore: Date): AsyncIterable<PendingWrite> {
    return listPendingWrites(this.s3, this.writes, startedBefore);
  }

  async checkHealth(): Promise<void> {
    await this.s3.client.send(new HeadBucketCommand({ Bucket: this.s3.bucket }));
  }

  async close(): Promise<void> {
    this.s3.client.destroy();
  }

  private async sizeOf(key: string): Promise<number> {
    const stat = await this.stat(key);
    if (stat === undefined) throw new ObjectNotFoundError(key);
    return stat.size;
  }
}

/**
 * The size and range of a ranged read, checked to be exactly what was asked for: some servers
 * answer a Range they cannot satisfy, such as any range of an empty object, with a 206 or a 200.
 */
function checkServedRange(
  key: string,
  range: ByteRange,
  reply: { ContentRange?: string | undefined; ContentLength?: number | undefined },
): { size: number; range: ByteRange } {
  const served = CONTENT_RANGE.exec(reply.ContentRange ?? '');
  const size = served === null ? (reply.ContentLength ?? 0) : Number(served[3]);
  const expected = resolveRange(range, size);
  if (served === null || Number(served[1]) !== expected.start || Number(served[2]) !== expected.end) {
    throw new Error(`the server answered a ranged read of ${JSON.stringify(key)} with other bytes`);
  }
  return { size, range: expected };
}

function endOf(range: ByteRange): string {
  return range.end === Infinity ? '' : String(range.end);
}

function createClient(options: S3BlobStoreSettings): S3Client {
  const { accessKeyId, secretAccessKey } = options;
  const client = new S3Client({
    region: options.region,
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    forcePathStyle: options.forcePathStyle,
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
    // Ceph RGW (and others) reject the SDK's default checksums on streamed bodies of unknown length.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new DeadlineHttpHandler({
      connectMs: Math.round(options.connectTimeoutSeconds * 1000),
      requestMs: Math.round(options.requestTimeoutSeconds * 1000),
    }),
    retryStrategy: new DeadlineRetryStrategy(),
    logger: QUIET_SDK_LOGGER,
  });
  // Every command, those of lib-storage's Upload included, passes here: a full store and an
  // unreachable one are told apart from every other failure in one place.
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        throw lackOfSpace(error) ?? outage(error) ?? error;
      }
    },
    { step: 'initialize', name: 'berthFailures' },
  );
  return client;
}
