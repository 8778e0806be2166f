import { z } from 'zod';
import { DEFAULT_PART_SIZE, MAX_PART_SIZE, MIN_PART_SIZE } from './s3-limits';

/** A YAML boolean, or the words environment variables spell one with (`true`, `0`, `off`...). */
const flag = z.union([z.boolean(), z.stringbool()], { error: 'expected true or false' });
/** How long to wait for S3; there is always a limit, so that a stalled store becomes a 503. */
const deadlineSeconds = z.coerce.number().positive();

/**
 * Options of S3BlobStore, with their bounds and defaults: the one place either is declared. The
 * server's configuration takes them as `blobs.s3`. Credentials default to the AWS SDK's chain
 * (environment, profile, IRSA...) when both keys are absent.
 */
export const s3OptionsSchema = z
  .object({
    bucket: z.string().min(1),
    region: z.string().min(1).default('us-east-1'),
    /** For S3-compatible stores (MinIO, Ceph RGW, R2...). */
    endpoint: z.url().optional(),
    forcePathStyle: flag.default(false),
    accessKeyId: z.string().min(1).optional(),
    secretAccessKey: z.string().min(1).optional(),
    /** Folder of the bucket that the store keeps everything in. */
    prefix: z.string().optional(),
    /**
     * Bytes per multipart part. S3 allows 10,000 parts, so 8 MiB parts cap an object at ~78 GiB;
     * a part of unknown length is held in memory, and one of known length may grow to twice this.
     */
    partSize: z.coerce
      .number()
      .int()
      .min(MIN_PART_SIZE, `at least ${MIN_PART_SIZE} bytes (5 MiB), S3's smallest part`)
      .max(MAX_PART_SIZE, `at most ${MAX_PART_SIZE} bytes (1 GiB): parts are held in memory`)
      .default(DEFAULT_PART_SIZE),
    /** To open a connection: a SYN lost twice is retried within 3 s. */
    connectTimeoutSeconds: deadlineSeconds.default(5),
    /**
     * S3 may keep a call waiting this long for its answer, or between two bytes of a body it sends
     * or takes. Time a body spends waiting on the caller's own stream is not counted.
     */
    requestTimeoutSeconds: deadlineSeconds.default(30),
  })
  .strict()
  .superRefine(({ accessKeyId, secretAccessKey }, ctx) => {
    if ((accessKeyId === undefined) === (secretAccessKey === undefined)) return;
    const [missing, given] =
      accessKeyId === undefined ? ['accessKeyId', 'secretAccessKey'] : ['secretAccessKey', 'accessKeyId'];
    ctx.addIssue({
      code: 'custom',
      path: [missing],
      message: `required with ${given}: the keys go together`,
    });
  });

/** Options of S3BlobStore as a caller gives them: defaults may be left out. */
export type S3BlobStoreOptions = z.input<typeof s3OptionsSchema>;
/** Options of S3BlobStore with every default filled in. */
export type S3BlobStoreSettings = z.output<typeof s3OptionsSchema>;
