import getRawBody from 'raw-body';
import { ManifestNotFoundError, ManifestTooLargeError, type ManifestService } from '@berth/core';
import type { ManifestRecord } from '@berth/metadata-store';
import { writerOfRequest } from '../access/access-guard';
import { defineRoute, ROUTES, type Route } from '../route-table';
import type { Request, Response } from 'express';

/** Whether the client's Accept header admits a media type (no header, or a wildcard, admits all). */
function accepts(req: Request, mediaType: string): boolean {
  const header = req.headers.accept;
  if (!header) return true;
  const types = header.split(',').map((part) => part.split(';')[0]?.trim().toLowerCase());
  return types.some(
    (type) => type === mediaType || type === '*/*' || type === 'application/*' || type === '',
  );
}

function describe(res: Response, manifest: ManifestRecord): void {
  res.setHeader('Content-Type', manifest.mediaType);
  res.setHeader('Content-Length', manifest.size);
  res.setHeader('Docker-Content-Digest', manifest.digest);
  res.setHeader('ETag', `"${manifest.digest}"`);
}

async function readManifestBody(req: Request, limit: number): Promise<Buffer> {
  try {
    const length = req.headers['content-length'];
    return await getRawBody(req, { limit, ...(length !== undefined ? { length } : {}) });
  } catch (error) {
    if ((error as { type?: string }).type === 'entity.too.large') {
      throw new ManifestTooLargeError(limit);
    }
    throw error;
  }
}

/** Manifests by tag or digest: pull, push, delete. */
export function createManifestRoutes({ manifests }: { manifests: ManifestService }): Route[] {
  const serve =
    (withBody: boolean) =>
    async (req: Request, res: Response, params: { name: string; reference: string }) => {
      const manifest = await manifests.get(params.name, params.reference);
      if (!accepts(req, manifest.mediaType)) {
        throw new ManifestNotFoundError(
          `manifest ${params.reference} is a ${manifest.mediaType}, which the Accept header does not allow`,
        );
      }
      describe(res, manifest);
      if (req.headers['if-none-match'] === `"${manifest.digest}"`) {
        res.status(304).end();
        return;
      }
      res.end(withBody ? manifest.payload : undefined);
    };

  return [
    defineRoute(ROUTES.manifest, {
      GET: serve(true),
      HEAD: serve(false),
      PUT: async (req, res, { name, reference }) => {
        const payload = await readManifestBody(req, manifests.maxBytes);
        const pushed = await manifests.put(
          name,
          reference,
          payload,
          req.headers['content-type'],
          writerOfRequest(res),
        );
        res.setHeader('Location', `/v2/${name}/manifests/${pushed.digest}`);
        res.setHeader('Docker-Content-Digest', pushed.digest);
        if (pushed.subjectDigest) res.setHeader('OCI-Subject', pushed.subjectDigest);
        res.status(201).end();
      },
      DELETE: async (_req, res, { name, reference }) => {
        await manifests.delete(name, reference, writerOfRequest(res));
        res.status(202).end();
      },
    }),
  ];
}
