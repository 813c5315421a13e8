import { alreadyExists, invalid, notFound } from '../core/errors.ts';
import { ok } from '../core/http.ts';
import { computeLink, refPath } from '../core/links.ts';
import type { Route, SimRequest } from '../core/router.ts';
import type { Sim } from '../core/sim.ts';
import { checkRange } from './cidr.ts';
import {
  baseFields,
  bodyObject,
  checkName,
  listReply,
  mustGet,
  mutate,
  type Prepared,
  param,
  type Resource,
  requireString,
  route,
  writable,
} from './common.ts';

/** Store collection of Compute routes (GKE's per-node routes for routes-based clusters). */
export const ROUTES = 'routes';

/** The next-hop fields of a route; a static route names exactly one (routes/insert). */
const NEXT_HOPS = [
  'nextHopGateway',
  'nextHopInstance',
  'nextHopIp',
  'nextHopVpnTunnel',
  'nextHopIlb',
] as const;

/**
 * Compute routes: list (with filter), get, insert and delete
 * (https://cloud.google.com/compute/docs/reference/rest/v1/routes). The GKE part writes the
 * per-node routes of routes-based clusters into the store, as GKE creates them in GCP
 * (https://cloud.google.com/kubernetes-engine/docs/how-to/routes-based-cluster).
 */
export function routeRoutes(sim: Sim): Route[] {
  const mutation = (req: SimRequest, verb: string, name: string, prepare: () => Prepared) => {
    const project = param(req, 'project');
    const key = `projects/${project}/global/routes/${name}`;
    const existing = sim.store.get<Resource>(ROUTES, key);
    return mutate(sim, {
      req,
      project,
      scope: { kind: 'global' },
      collection: ROUTES,
      verb,
      resourcePath: key,
      resourceType: 'gce_route',
      resourceLabels: existing ? { route_id: existing.id } : undefined,
      idLabel: 'route_id',
      targetId: existing?.id,
      permission: `compute.routes.${verb === 'insert' ? 'create' : verb}`,
      prepare,
    });
  };
  return [
    route('POST', 'global/routes', ROUTES, 'insert', 'write', (req) => {
      const body = bodyObject(req);
      const name = requireString(body, 'name');
      return mutation(req, 'insert', name, () => {
        checkName(name);
        const project = param(req, 'project');
        const key = `projects/${project}/global/routes/${name}`;
        if (sim.store.get(ROUTES, key)) throw alreadyExists(key);
        const netKey = refPath(requireString(body, 'network'), project);
        mustGet(sim, 'networks', netKey);
        const r: Resource = {
          ...baseFields(sim, 'compute#route', key, name),
          priority: 1000,
          ...writable(body),
          network: computeLink(netKey),
          destRange: checkRange(body.destRange, 'resource.destRange'),
          routeType: 'STATIC',
        };
        // "The priority value must be from 0 to 65535, inclusive" (Route.priority).
        if (!Number.isInteger(r.priority) || Number(r.priority) < 0 || Number(r.priority) > 65535) {
          throw invalid(
            `Invalid value for field 'resource.priority': '${String(r.priority)}'. Must be an integer from 0 to 65535.`,
          );
        }
        const hops = NEXT_HOPS.filter((f) => body[f] !== undefined && body[f] !== null);
        if (hops.length !== 1) {
          throw invalid(
            `Invalid value for field 'resource': exactly one of ${NEXT_HOPS.join(', ')} must be set; got ${hops.length}.`,
          );
        }
        const hop = hops[0] as (typeof NEXT_HOPS)[number];
        const target = String(body[hop]);
        if (hop === 'nextHopGateway') {
          // "You can only specify the internet gateway" (Route.nextHopGateway).
          const gw = refPath(target, project);
          if (gw !== `projects/${project}/global/gateways/default-internet-gateway`) {
            throw invalid(
              `Invalid value for field 'resource.nextHopGateway': '${target}'. Only the default internet gateway can be specified.`,
            );
          }
          r.nextHopGateway = computeLink(gw);
        } else if (hop === 'nextHopInstance') {
          const vm = refPath(target, project);
          mustGet(sim, 'instances', vm);
          r.nextHopInstance = computeLink(vm);
        } else if (hop === 'nextHopIlb' && !/^\d+\.\d+\.\d+\.\d+$/.test(target)) {
          const fr = refPath(target, project);
          mustGet(sim, 'forwardingRules', fr);
          r.nextHopIlb = computeLink(fr);
        }
        const apply = () => {
          if (sim.store.get(ROUTES, key)) throw alreadyExists(key);
          sim.store.put(ROUTES, key, r);
        };
        return { apply, targetId: r.id };
      });
    }),
    route('DELETE', 'global/routes/{route}', ROUTES, 'delete', 'write', (req) => {
      const name = param(req, 'route');
      return mutation(req, 'delete', name, () => {
        const key = `projects/${param(req, 'project')}/global/routes/${name}`;
        mustGet(sim, ROUTES, key);
        return () => {
          if (!sim.store.delete(ROUTES, key)) throw notFound(key);
        };
      });
    }),
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
