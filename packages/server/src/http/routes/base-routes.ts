import { defineRoute, ROUTES, type Route } from '../route-table';

/** `GET /v2/`: tells clients this is a registry speaking the v2 API. */
export function createBaseRoutes(): Route[] {
  return [
    defineRoute(ROUTES.base, {
      GET: async (_req, res) => {
        res.json({});
      },
      HEAD: async (_req, res) => {
        res.end();
      },
    }),
  ];
}
