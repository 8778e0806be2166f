import { pipeline } from 'node:stream/promises';
import type { ByteRange } from '@berth/blob-store';
import type { BlobRecord } from '@berth/metadata-store';
import type { Request, Response } from 'express';
import { RangeNotSatisfiableError, type BlobService } from '@berth/core';
import { writerOfRequest } from '../access/access-guard';
import { defineRoute, ROUTES, type Route } from '../route-table';

/** Told of every pull streamed through this process. */
export interface PullObserver {
  /** `seconds` from opening the blob to the end; `completed` is false when the client left early. */
  streamed(bytes: number, seconds: number, completed: boolean): void;
}

/** The single range the client asked for; several ranges or a malformed header get the whole blob. */
function requestedRange(req: Request, blob: BlobRecord): ByteRange | undefined {
  if (!req.headers.range) return undefined;
  const ranges = req.range(blob.size, { combine: true });
  if (ranges === -1) throw new RangeNotSatisfiableError(blob.size);
  if (ranges === -2 || ranges === undefined || ranges.length !== 1 || ranges.type !== 'bytes')
    return undefined;
  const [range] = ranges;
  return range ? { start: range.start, end: range.end } : undefined;
}

function describe(res: Response, blob: BlobRecord): void {
  res.setHeader('Content-Type', 'application/octet-stream');
  res.setHeader('Docker-Content-Digest', blob.digest);
  res.setHeader('ETag', `"${blob.digest}"`);
  res.setHeader('Accept-Ranges', 'bytes');
  // Content-addressed: the bytes behind a digest never change.
  res.setHeader('Cache-Control', 'max-age=31536000, immutable');
}

/** Blobs by digest: pull (streamed or redirected), existence check, delete. */
export function createBlobRoutes({ blobs, pulls }: { blobs: BlobService; pulls: PullObserver }): Route[] {
  return [
    defineRoute(ROUTES.blob, {
      HEAD: async (req, res, { name, digest }) => {
        const blob = await blobs.stat(name, digest);
        describe(res, blob);
        res.setHeader('Content-Length', blob.size);
        res.end();
      },
      GET: async (req, res, { name, digest }) => {
        const blob = await blobs.stat(name, digest);
        describe(res, blob);
        if (req.headers['if-none-match'] === `"${blob.digest}"`) {
          res.status(304).end();
          return;
        }
        const range = requestedRange(req, blob);
        const redirect = await blobs.redirectUrl(blob);
        if (redirect) {
          res.removeHeader('Cache-Control');
          res.redirect(307, redirect);
          return;
        }
        const opened = performance.now();
        const read = await blobs.open(blob, range);
        if (read.range) {
          res.status(206);
          res.setHeader('Content-Range', `bytes ${read.range.start}-${read.range.end}/${read.size}`);
          res.setHeader('Content-Length', read.range.end - read.range.start + 1);
        } else {
          res.setHeader('Content-Length', read.size);
        }
        let sent = 0;
        let completed = false;
        read.stream.on('data', (chunk: Buffer) => (sent += chunk.length));
        try {
          await pipeline(read.stream, res);
          completed = true;
        } catch (error) {
          // A client that hangs up mid-download is routine, not a server error.
          if ((error as { code?: string }).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error;
        } finally {
          pulls.streamed(sent, (performance.now() - opened) / 1000, completed);
        }
      },
      DELETE: async (_req, res, { name, digest }) => {
        await blobs.delete(name, digest, writerOfRequest(res));
        res.status(202).end();
      },
    }),
  ];
}
