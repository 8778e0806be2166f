import type { Request } from 'express';
import { InvalidPaginationError, InvalidSizeError, InvalidUploadError } from '@berth/core';

// Sizes and offsets are numbers; beyond this one a double no longer holds every integer.
const LARGEST_SIZE = 'the largest size accepted, 2^53 - 1 bytes';

/** Largest page of names served at once; a larger `n` is cut to this and the Link header continues. */
export const MAX_PAGE_SIZE = 10_000;

/** `n` and `last` of a listing request. */
export function parsePageQuery(req: Request): { limit?: number; last?: string } {
  const { n, last } = req.query;
  let limit: number | undefined;
  if (n !== undefined) {
    if (typeof n !== 'string' || !/^\d+$/.test(n)) {
      throw new InvalidPaginationError('n must be a non-negative integer');
    }
    limit = Math.min(Number(n), MAX_PAGE_SIZE);
  }
  if (last !== undefined && typeof last !== 'string')
    throw new InvalidPaginationError('last must be a single value');
  return { ...(limit !== undefined ? { limit } : {}), ...(last ? { last } : {}) };
}

/** Content-Length as a number, or undefined when absent. */
export function contentLength(req: Request): number | undefined {
  const header = req.headers['content-length'];
  if (header === undefined) return undefined;
  // Node accepts lengths up to 2^64 - 1: a body declared beyond 2^53 could be neither counted nor stored.
  const length = exactInteger(header);
  if (length === undefined) {
    throw new InvalidSizeError(`Content-Length ${header} is beyond ${LARGEST_SIZE}`);
  }
  return length;
}

/** True when the request carries a body (a declared length above zero, or chunked encoding). */
export function hasBody(req: Request): boolean {
  const length = contentLength(req);
  return length !== undefined ? length > 0 : req.headers['transfer-encoding'] !== undefined;
}

/**
 * The chunk position from Content-Range (`<start>-<end>`, with or without a `bytes` unit),
 * checked against Content-Length; undefined when the header is absent.
 */
export function parseChunkRange(req: Request): { start: number; length: number } | undefined {
  const header = req.headers['content-range'];
  if (header === undefined) return undefined;
  const match = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(header.trim());
  if (!match) throw new InvalidUploadError(`malformed Content-Range ${JSON.stringify(header)}`);
  const start = exactInteger(match[1]);
  const end = exactInteger(match[2]);
  // The last position can be 2^53 - 2 at most, so that the length too is exact.
  if (start === undefined || end === undefined || end >= Number.MAX_SAFE_INTEGER) {
    throw new InvalidUploadError(`Content-Range ${header} lies beyond ${LARGEST_SIZE}`);
  }
  if (end < start) throw new InvalidUploadError(`Content-Range ${header} ends before it starts`);
  const length = end - start + 1;
  const declared = contentLength(req);
  if (declared !== undefined && declared !== length) {
    throw new InvalidSizeError(`Content-Range covers ${length} bytes but Content-Length is ${declared}`);
  }
  return { start, length };
}

/** A decimal as a number, or undefined when it is not a whole number that a double holds exactly. */
function exactInteger(digits: string | undefined): number | undefined {
  const value = Number(digits);
  return digits !== undefined && /^\d+$/.test(digits) && Number.isSafeInteger(value) ? value : undefined;
}
