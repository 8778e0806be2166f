import type { GcService } from '@berth/core';
import { ADMIN_ROUTES, defineRoute, type Route } from '../route-table';

/**
 * Garbage collection in the admin API: its status, what a run now would remove, and a run now,
 * answered as the service reports them (times in ISO 8601, sizes in bytes).
 */
export function createAdminGcRoutes({ gc }: { gc: GcService }): Route[] {
  return [
    defineRoute(ADMIN_ROUTES.gc, {
      GET: async (_req, res) => {
        res.json(await gc.status());
      },
    }),
    defineRoute(ADMIN_ROUTES.gcDryRun, {
      GET: async (_req, res) => {
        res.json(await gc.dryRun());
      },
    }),
    defineRoute(ADMIN_ROUTES.gcRuns, {
      // The run has ended when this answers: its report is the body, and no resource remains.
      POST: async (_req, res) => {
        res.json(await gc.runNow());
      },
    }),
  ];
}
