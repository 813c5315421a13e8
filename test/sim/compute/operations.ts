import { ok } from '../core/http.ts';
import type { Scope } from '../core/links.ts';
import type { Route, SimRequest } from '../core/router.ts';
import type { Sim } from '../core/sim.ts';
import { aggregatedReply, listReply, param, route, scopeOfKey } from './common.ts';

/**
 * globalOperations, regionOperations, zoneOperations: get, list, delete and wait
 * (https://cloud.google.com/compute/docs/reference/rest/v1/globalOperations/wait: returns when
 * DONE or near the 2-minute deadline, whichever is first; here the cap is `waitCapMs`).
 */
export function operationRoutes(sim: Sim): Route[] {
  const scopes: { prefix: string; collection: string; scope: (req: SimRequest) => Scope }[] = [
    { prefix: 'global', collection: 'globalOperations', scope: () => ({ kind: 'global' }) },
    {
      prefix: 'regions/{region}',
      collection: 'regionOperations',
      scope: (req) => ({ kind: 'region', region: param(req, 'region') }),
    },
    {
      prefix: 'zones/{zone}',
      collection: 'zoneOperations',
      scope: (req) => ({ kind: 'zone', zone: param(req, 'zone') }),
    },
  ];
  // https://cloud.google.com/compute/docs/reference/rest/v1/globalOperations/aggregatedList
  const aggregated = route(
    'GET',
    'aggregated/operations',
    'globalOperations',
    'aggregatedList',
    'read',
    (req) =>
      aggregatedReply(sim, req, {
        kind: 'compute#operationAggregatedList',
        collection: 'operations',
        types: ['global', 'regions', 'zones'],
        items: sim.store
          .entries('operations', `projects/${param(req, 'project')}/`)
          .map(([key, op]) => [scopeOfKey(key), op] as const),
      }),
  );
  return [
    aggregated,
    ...scopes.flatMap(({ prefix, collection, scope }) => [
      route('GET', `${prefix}/operations/{operation}`, collection, 'get', 'read', (req) =>
        ok(sim.ops.get(param(req, 'project'), scope(req), param(req, 'operation'))),
      ),
      route(
        'POST',
        `${prefix}/operations/{operation}/wait`,
        collection,
        'wait',
        'read',
        async (req) =>
          ok(await sim.ops.wait(param(req, 'project'), scope(req), param(req, 'operation'))),
      ),
      route('DELETE', `${prefix}/operations/{operation}`, collection, 'delete', 'write', (req) => {
        sim.ops.remove(param(req, 'project'), scope(req), param(req, 'operation'));
        return ok({});
      }),
      route('GET', `${prefix}/operations`, collection, 'list', 'read', (req) => {
        const project = param(req, 'project');
        const s = scope(req);
        const path = `projects/${project}/${s.kind === 'global' ? 'global' : s.kind === 'region' ? `regions/${s.region}` : `zones/${s.zone}`}/operations`;
        return listReply(req, 'compute#operationList', path, sim.ops.list(project, s));
      }),
    ]),
  ];
}
