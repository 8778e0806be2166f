import type { Request, Response } from 'express';
import {
  UploadOutOfOrderError,
  type BlobService,
  type Chunk,
  type UploadProgress,
  type UploadService,
} from '@berth/core';
import { writerOfRequest } from '../access/access-guard';
import type { RepositoryAccess } from '../access/required-access';
import { contentLength, hasBody, parseChunkRange } from '../request-parsing';
import { defineRoute, ROUTES, type Route, type RouteParams } from '../route-table';

const uploadLocation = (name: string, id: string) => `/v2/${name}/blobs/uploads/${id}`;

// Distribution's convention, which clients rely on: an empty upload reports "0-0".
const rangeOf = (size: number) => `0-${Math.max(size - 1, 0)}`;

function describeProgress(res: Response, name: string, progress: UploadProgress): void {
  res.setHeader('Location', uploadLocation(name, progress.id));
  res.setHeader('Range', rangeOf(progress.size));
  res.setHeader('Docker-Upload-UUID', progress.id);
  res.setHeader('Content-Length', 0);
}

function describeBlob(res: Response, name: string, digest: string): void {
  res.setHeader('Location', `/v2/${name}/blobs/${digest}`);
  res.setHeader('Docker-Content-Digest', digest);
  res.setHeader('Content-Length', 0);
  res.status(201).end();
}

function chunkOf(req: Request): Chunk {
  const range = parseChunkRange(req);
  const length = range?.length ?? contentLength(req);
  return { body: req, ...(range ? { start: range.start } : {}), ...(length !== undefined ? { length } : {}) };
}

/** Adds where the upload stands to a 416 answer, so the client can resume. */
function withResumeHeaders(
  res: Response,
  name: string,
  id: string,
  handler: () => Promise<void>,
): Promise<void> {
  return handler().catch((error: unknown) => {
    if (error instanceof UploadOutOfOrderError) {
      res.setHeader('Location', uploadLocation(name, id));
      res.setHeader('Range', rangeOf(error.currentSize));
    }
    throw error;
  });
}

/** Blob uploads: start (or mount), chunks, status, completion, cancellation. */
export function createUploadRoutes({
  uploads,
  blobs,
  mayMountFrom,
}: {
  uploads: UploadService;
  blobs: BlobService;
  /** Whether this caller holds `needs` on `from` (or may mount from anywhere, when undefined). */
  mayMountFrom: (res: Response, from: string | undefined, needs: RepositoryAccess) => Promise<boolean>;
}): Route[] {
  const start = async (req: Request, res: Response, { name }: RouteParams) => {
    const { digest, mount } = req.query;
    const from = typeof req.query.from === 'string' ? req.query.from : undefined;
    // A refused mount is not an error: the spec has the client upload the blob instead.
    if (
      typeof mount === 'string' &&
      (await mayMountFrom(res, from, ROUTES.uploads.methods.POST.mountSource)) &&
      (await blobs.mount(name, mount, from, writerOfRequest(res)))
    ) {
      return describeBlob(res, name, mount);
    }
    if (typeof digest === 'string') {
      const stored = await uploads.uploadWhole(name, digest, chunkOf(req), writerOfRequest(res));
      return describeBlob(res, name, stored.digest);
    }
    const progress = await uploads.start(name);
    describeProgress(res, name, progress);
    if (uploads.minChunkSize > 0) res.setHeader('OCI-Chunk-Min-Length', uploads.minChunkSize);
    res.status(202).end();
  };

  return [
    defineRoute(ROUTES.uploads, { POST: start }),
    defineRoute(ROUTES.upload, {
      GET: async (_req, res, { name, uploadId }) => {
        describeProgress(res, name, await uploads.status(name, uploadId));
        res.status(204).end();
      },
      PATCH: (req, res, { name, uploadId }) =>
        withResumeHeaders(res, name, uploadId, async () => {
          describeProgress(res, name, await uploads.append(name, uploadId, chunkOf(req)));
          res.status(202).end();
        }),
      PUT: (req, res, { name, uploadId }) =>
        withResumeHeaders(res, name, uploadId, async () => {
          const digest = typeof req.query.digest === 'string' ? req.query.digest : '';
          const stored = await uploads.complete(
            name,
            uploadId,
            digest,
            hasBody(req) ? chunkOf(req) : undefined,
            writerOfRequest(res),
          );
          describeBlob(res, name, stored.digest);
        }),
      DELETE: async (_req, res, { name, uploadId }) => {
        await uploads.cancel(name, uploadId);
        res.status(204).end();
      },
    }),
  ];
}
