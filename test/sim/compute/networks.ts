import { alreadyExists, invalid, notFound, resourceInUse } from '../core/errors.ts';
import { ok } from '../core/http.ts';
import { refPath } from '../core/links.ts';
import type { Route, SimRequest } from '../core/router.ts';
import type { Sim } from '../core/sim.ts';
import {
  baseFields,
  bodyObject,
  checkName,
  listReply,
  mergePatch,
  mustGet,
  mutate,
  type Prepared,
  param,
  type Resource,
  requireString,
  route,
  writable,
} from './common.ts';
import { peeringRoutes, refreshPeeringStates } from './peering.ts';
import { subnetsOf } from './ranges.ts';

const C = 'networks';

/** Store key of a network. */
export function netKey(project: string, name: string): string {
  return `projects/${project}/global/networks/${name}`;
}

/**
 * VPC networks in custom subnet mode: insert, get, list, patch, delete, plus the peering methods
 * (peering.ts). https://cloud.google.com/compute/docs/reference/rest/v1/networks
 * `autoCreateSubnetworks: true` (auto mode) is refused: the simulator only does custom mode.
 * An absent `autoCreateSubnetworks` would make a legacy network in GCP; here it means custom mode.
 */
export function networkRoutes(sim: Sim): Route[] {
  const mutation = (
    req: SimRequest,
    verb: string,
    name: string,
    permission: string,
    prepare: () => Prepared,
  ) => {
    const project = param(req, 'project');
    const key = netKey(project, name);
    const existing = sim.store.get<Resource>(C, key);
    return mutate(sim, {
      req,
      project,
      scope: { kind: 'global' },
      collection: C,
      verb,
      resourcePath: key,
      resourceType: 'gce_network',
      resourceLabels: existing ? { network_id: existing.id } : undefined,
      idLabel: 'network_id',
      targetId: existing?.id,
      permission,
      prepare,
    });
  };

  return [
    route('GET', 'global/networks', C, 'list', 'read', (req) => {
      const project = param(req, 'project');
      return listReply(
        req,
        'compute#networkList',
        `projects/${project}/global/networks`,
        sim.store.list(C, `projects/${project}/global/networks/`),
      );
    }),
    route('GET', 'global/networks/{network}', C, 'get', 'read', (req) =>
      ok(mustGet(sim, C, netKey(param(req, 'project'), param(req, 'network')))),
    ),
    route('POST', 'global/networks', C, 'insert', 'write', (req) => {
      const body = bodyObject(req);
      const name = requireString(body, 'name');
      return mutation(req, 'insert', name, 'compute.networks.create', () => {
        checkName(name);
        if (body.autoCreateSubnetworks === true) {
          throw invalid(
            "Invalid value for field 'resource.autoCreateSubnetworks': 'true'. The simulator supports custom subnet mode only.",
          );
        }
        if (body.IPv4Range !== undefined) {
          throw invalid(
            "Invalid value for field 'resource.IPv4Range': legacy networks are not supported.",
          );
        }
        const key = netKey(param(req, 'project'), name);
        if (sim.store.get(C, key)) throw alreadyExists(key);
        const base = baseFields(sim, 'compute#network', key, name);
        const net: Resource = {
          ...base,
          selfLinkWithId: base.selfLink.replace(/[^/]+$/, base.id),
          autoCreateSubnetworks: false,
          routingConfig: { routingMode: 'REGIONAL' },
          mtu: 1460,
          networkFirewallPolicyEnforcementOrder: 'AFTER_CLASSIC_FIREWALL',
          ...writable(body),
          subnetworks: [],
          peerings: [],
        };
        net.autoCreateSubnetworks = false;
        const apply = () => {
          if (sim.store.get(C, key)) throw alreadyExists(key);
          sim.store.put(C, key, net);
          // A peer that already points here becomes ACTIVE now that this side exists.
          refreshPeeringStates(sim);
        };
        return { apply, targetId: net.id };
      });
    }),
    route('PATCH', 'global/networks/{network}', C, 'patch', 'write', (req) => {
      const name = param(req, 'network');
      const body = bodyObject(req);
      return mutation(req, 'patch', name, 'compute.networks.update', () => {
        const key = netKey(param(req, 'project'), name);
        const net = mustGet(sim, C, key);
        // Only these fields are patchable (https://cloud.google.com/compute/docs/reference/rest/v1/networks/patch).
        const allowed = [
          'description',
          'routingConfig',
          'mtu',
          'networkFirewallPolicyEnforcementOrder',
        ];
        const patch = Object.fromEntries(
          Object.entries(writable(body)).filter(([k]) => allowed.includes(k)),
        );
        const next = mergePatch(structuredClone(net), patch);
        return () => {
          if (!sim.store.get(C, key)) throw notFound(key);
          sim.store.put(C, key, next);
        };
      });
    }),
    route('DELETE', 'global/networks/{network}', C, 'delete', 'write', (req) => {
      const name = param(req, 'network');
      return mutation(req, 'delete', name, 'compute.networks.delete', () => {
        const key = netKey(param(req, 'project'), name);
        const net = mustGet(sim, C, key);
        checkUnused(sim, key, net);
        return () => {
          checkUnused(sim, key, net);
          sim.store.delete(C, key);
          refreshPeeringStates(sim);
        };
      });
    }),
    ...peeringRoutes(sim),
  ];
}

/**
 * A network still used by subnetworks or firewall rules cannot be deleted:
 * 400 resourceInUseByAnotherResource ("The network resource '...' is already being used by '...'").
 */
function checkUnused(sim: Sim, key: string, net: Resource): void {
  const sub = subnetsOf(sim, key)[0];
  if (sub) throw resourceInUse(key, refPath(sub.selfLink, ''), 'network');
  const fw = sim.store.list<Resource>('firewalls').find((f) => f.network === net.selfLink);
  if (fw) throw resourceInUse(key, refPath(fw.selfLink, ''), 'network');
}
