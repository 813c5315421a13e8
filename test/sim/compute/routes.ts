import { ok } from '../core/http.ts';
import type { Route } from '../core/router.ts';
import type { Sim } from '../core/sim.ts';
import { listReply, mustGet, param, route } from './common.ts';

/** Store collection of Compute routes (GKE's per-node routes for routes-based clusters). */
export const ROUTES = 'routes';

/**
 * Read-only Compute routes: list (with filter) and get
 * (https://cloud.google.com/compute/docs/reference/rest/v1/routes). The GKE part writes the
 * per-node routes of routes-based clusters into the store, as GKE creates them in GCP
 * (https://cloud.google.com/kubernetes-engine/docs/how-to/routes-based-cluster).
 */
export function routeRoutes(sim: Sim): Route[] {
  return [
    route('GET', 'global/routes', ROUTES, 'list', 'read', (req) => {
      const project = param(req, 'project');
      return listReply(
        req,
        'compute#routeList',
        `projects/${project}/global/routes`,
        sim.store.list(ROUTES, `projects/${project}/global/routes/`),
      );
    }),
    route('GET', 'global/routes/{route}', ROUTES, 'get', 'read', (req) =>
      ok(
        mustGet(
          sim,
          ROUTES,
          `projects/${param(req, 'project')}/global/routes/${param(req, 'route')}`,
        ),
      ),
    ),
  ];
}
