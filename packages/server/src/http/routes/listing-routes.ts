import type { Response } from 'express';
import { MediaTypes, type ListingService, type NamePage, type RepositoryFilter } from '@berth/core';
import { parsePageQuery } from '../request-parsing';
import { defineRoute, ROUTES, type Route } from '../route-table';

/** Sets the Link header pointing at the next page, when there is one. */
function linkNextPage(res: Response, path: string, page: NamePage, limit: number | undefined): void {
  const last = page.names[page.names.length - 1];
  if (!page.hasMore || last === undefined || limit === undefined) return;
  res.setHeader('Link', `<${path}?n=${limit}&last=${encodeURIComponent(last)}>; rel="next"`);
}

/** Content discovery: tag lists, the catalog of repositories, referrers of a manifest. */
export function createListingRoutes({
  listing,
  catalogFilter,
}: {
  listing: ListingService;
  /** Which repositories this caller may see in the catalog; all when absent. */
  catalogFilter?: (res: Response) => Promise<RepositoryFilter>;
}): Route[] {
  return [
    defineRoute(ROUTES.tags, {
      GET: async (req, res, { name }) => {
        const { limit, last } = parsePageQuery(req);
        const page = await listing.tagsPage(name, limit, last);
        linkNextPage(res, `/v2/${name}/tags/list`, page, limit);
        res.json({ name, tags: page.names });
      },
    }),
    defineRoute(ROUTES.catalog, {
      GET: async (req, res) => {
        const { limit, last } = parsePageQuery(req);
        const visible = catalogFilter ? await catalogFilter(res) : undefined;
        const page = await listing.repositoriesPage(limit, last, visible);
        linkNextPage(res, '/v2/_catalog', page, limit);
        res.json({ repositories: page.names });
      },
    }),
    defineRoute(ROUTES.referrers, {
      GET: async (req, res, { name, digest }) => {
        const { artifactType } = req.query;
        const filter = typeof artifactType === 'string' && artifactType !== '' ? artifactType : undefined;
        const referrers = await listing.referrers(name, digest, filter);
        if (filter) res.setHeader('OCI-Filters-Applied', 'artifactType');
        res.setHeader('Content-Type', MediaTypes.ociIndex);
        res.end(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: MediaTypes.ociIndex,
            manifests: referrers.map((referrer) => ({
              mediaType: referrer.mediaType,
              digest: referrer.digest,
              size: referrer.size,
              ...(referrer.artifactType ? { artifactType: referrer.artifactType } : {}),
              ...(referrer.annotations ? { annotations: referrer.annotations } : {}),
            })),
          }),
        );
      },
    }),
  ];
}
