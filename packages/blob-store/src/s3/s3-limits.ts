const MiB = 1024 * 1024;

/** S3's smallest part of a multipart upload, except the last. */
export const MIN_PART_SIZE = 5 * MiB;
/** S3's largest object written by one PutObject. */
export const MAX_PUT_OBJECT_SIZE = 5 * 1024 * MiB;
/** S3's largest part number. */
export const MAX_PARTS = 10_000;
/** Part size when none is configured. */
export const DEFAULT_PART_SIZE = 8 * MiB;
/**
 * Largest configurable part size: a part of unknown length is held in memory, and a part of known
 * length may grow to twice this, which must stay under S3's 5 GiB.
 */
export const MAX_PART_SIZE = 1024 * MiB;
