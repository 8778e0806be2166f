import type { ByteRange } from './blob-store';
import { InvalidRangeError } from './errors';

/**
 * True when a range can be sent as an HTTP Range header. An `end` past the object (up to Infinity)
 * reads to its last byte, as `bytes=start-` does.
 */
export function isWellFormedRange(range: ByteRange): boolean {
  return (
    Number.isSafeInteger(range.start) &&
    range.start >= 0 &&
    range.end >= range.start &&
    (Number.isSafeInteger(range.end) || range.end === Infinity)
  );
}

/** The bytes of an object of `size` that `range` selects, its end clamped; throws InvalidRangeError if none. */
export function resolveRange(range: ByteRange, size: number): ByteRange {
  if (!isWellFormedRange(range) || range.start >= size) throw new InvalidRangeError(size);
  return { start: range.start, end: Math.min(range.end, size - 1) };
}
