import type { JsonValue, ResumableWrite } from '../blob-store';
import { assertValidKey } from '../keys';
import { isStagingId, malformedWriteError, newStagingId } from '../staging-ids';
import { MAX_PARTS, MIN_PART_SIZE } from './s3-limits';

const TAIL_NAME = /^tail-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** One uploaded part of a write's multipart upload, as CompleteMultipartUpload wants it, plus its size. */
export type UploadedPart = { PartNumber: number; ETag: string; size: number };

/** The last bytes of a write, too few for a part (< 5 MiB), kept as a staged object. */
export type Tail = { name: string; size: number };

/** What a resumable write on S3 carries between appends; plain JSON, so any process can continue it. */
export type S3WriteState = {
  /** Names the write's staging folder. */
  id: string;
  /** Created by the first append that fills a part. */
  uploadId: string | null;
  parts: UploadedPart[];
  tail: Tail | null;
  /**
   * The tail of the state before this one. It is kept until this state is handed back, which shows
   * this state was saved; so a caller that lost this state can still retry from the one before.
   */
  staleTail: string | null;
};

/** The state of a write that holds nothing yet. */
export function emptyWriteState(): S3WriteState {
  return { id: newStagingId(), uploadId: null, parts: [], tail: null, staleTail: null };
}

/** The state as a ResumableWrite's adapter field. */
export function encodeWriteState(state: S3WriteState): { [key: string]: JsonValue } {
  return state;
}

/** Reads back a write's state, checking that it is whole and adds up to `write.size`. */
export function decodeWriteState(write: ResumableWrite): S3WriteState {
  assertValidKey(write.key);
  const { id, uploadId, parts, tail, staleTail } = write.adapter;
  if (
    isStagingId(id) &&
    (uploadId === null || (typeof uploadId === 'string' && uploadId !== '')) &&
    Array.isArray(parts) &&
    parts.every(isUploadedPart) &&
    (tail === null || isTail(tail)) &&
    (staleTail === null || isTailName(staleTail))
  ) {
    const state: S3WriteState = { id, uploadId, parts, tail, staleTail };
    if (isConsistent(state, write.size)) return state;
  }
  throw malformedWriteError(write.key);
}

function isConsistent(state: S3WriteState, size: number): boolean {
  const stored = state.parts.reduce((sum, part) => sum + part.size, state.tail?.size ?? 0);
  return (
    stored === size &&
    (state.uploadId !== null || state.parts.length === 0) &&
    state.parts.length <= MAX_PARTS &&
    state.parts.every((part, index) => part.PartNumber === index + 1)
  );
}

function isUploadedPart(value: JsonValue | undefined): value is UploadedPart {
  return (
    isRecord(value) &&
    Number.isSafeInteger(value.PartNumber) &&
    typeof value.ETag === 'string' &&
    isSize(value.size) &&
    value.size >= MIN_PART_SIZE
  );
}

function isTail(value: JsonValue | undefined): value is Tail {
  return (
    isRecord(value) &&
    isTailName(value.name) &&
    isSize(value.size) &&
    value.size > 0 &&
    value.size < MIN_PART_SIZE
  );
}

function isTailName(value: JsonValue | undefined): value is string {
  return typeof value === 'string' && TAIL_NAME.test(value);
}

function isSize(value: JsonValue | undefined): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isRecord(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A fresh name for a tail, unique to one append attempt. */
export function newTailName(): string {
  return `tail-${newStagingId()}`;
}
