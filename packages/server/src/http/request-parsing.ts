import type { Request } from 'express';
import { InvalidPaginationError, InvalidSizeError, InvalidUploadError } from '../errors/domain-errors';

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
  const length = Number(header);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
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
  const start = Number(match[1]);
  const end = Number(match[2]);
  if (end < start) throw new InvalidUploadError(`Content-Range ${header} ends before it starts`);
  const length = end - start + 1;
  const declared = contentLength(req);
  if (declared !== undefined && declared !== length) {
    throw new InvalidSizeError(`Content-Range covers ${length} bytes but Content-Length is ${declared}`);
  }
  return { start, length };
}
