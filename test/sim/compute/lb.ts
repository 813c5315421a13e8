import { alreadyExists, invalid, notFound, resourceInUse } from '../core/errors.ts';
import { computeLink, lastSegment, refPath } from '../core/links.ts';
import type { Route, SimRequest } from '../core/router.ts';
import type { Sim } from '../core/sim.ts';
import type { JsonObject } from '../core/store.ts';
import { allocateAddress, forwardingRuleAddress } from './addresses.ts';
import {
  aggregatedReply,
  baseFields,
  bodyObject,
  checkFingerprint,
  checkName,
  mergePatch,
  mustGet,
  newFingerprint,
  param,
  type Resource,
  requireString,
  route,
  scopeOfKey,
  writable,
} from './common.ts';
import { refuseInstancesInOtherGroups } from './groups.ts';
import type { Subnetwork } from './ranges.ts';
import {
  deleteExisting,
  putExisting,
  putNew,
  type RegionalKind,
  regionalGet,
  regionalList,
  regionalMutation,
} from './regional.ts';

const HC: RegionalKind = {
  path: 'healthChecks',
  collection: 'regionHealthChecks',
  listKind: 'compute#healthCheckList',
  resourceType: 'gce_health_check',
  idLabel: 'health_check_id',
  permissionPrefix: 'compute.regionHealthChecks',
};
const BS: RegionalKind = {
  path: 'backendServices',
  collection: 'regionBackendServices',
  listKind: 'compute#backendServiceList',
  resourceType: 'gce_backend_service',
  idLabel: 'backend_service_id',
  permissionPrefix: 'compute.regionBackendServices',
};
const FR: RegionalKind = {
  path: 'forwardingRules',
  collection: 'forwardingRules',
  listKind: 'compute#forwardingRuleList',
  resourceType: 'gce_forwarding_rule',
  idLabel: 'forwarding_rule_id',
  permissionPrefix: 'compute.forwardingRules',
};

/**
 * Internal passthrough load-balancer parts: regional health checks, regional backend services
 * (with fingerprint) and regional INTERNAL forwarding rules (IP from the subnet).
 * https://cloud.google.com/compute/docs/reference/rest/v1/regionHealthChecks,
 * https://cloud.google.com/compute/docs/reference/rest/v1/regionBackendServices,
 * https://cloud.google.com/compute/docs/reference/rest/v1/forwardingRules
 */
export function lbRoutes(sim: Sim): Route[] {
  return [
    ...healthCheckRoutes(sim),
    ...backendServiceRoutes(sim),
    ...forwardingRuleRoutes(sim),
    ...aggregatedRoutes(sim),
  ];
}

/**
 * healthChecks / backendServices / forwardingRules aggregatedList: regional and global ones by
 * scope (https://cloud.google.com/compute/docs/reference/rest/v1/healthChecks/aggregatedList,
 * .../backendServices/aggregatedList, .../forwardingRules/aggregatedList). The simulator has
 * regional ones only.
 */
function aggregatedRoutes(sim: Sim): Route[] {
  const kinds: [RegionalKind, string, string][] = [
    [HC, 'healthChecks', 'compute#healthChecksAggregatedList'],
    [BS, 'backendServices', 'compute#backendServiceAggregatedList'],
    [FR, 'forwardingRules', 'compute#forwardingRuleAggregatedList'],
  ];
  return kinds.map(([k, collection, kind]) =>
    route('GET', `aggregated/${collection}`, collection, 'aggregatedList', 'read', (req) =>
      aggregatedReply(sim, req, {
        kind,
        collection,
        types: ['global', 'regions'],
        items: sim.store
          .entries<Resource>(k.path, `projects/${param(req, 'project')}/`)
          .map(([key, r]) => [scopeOfKey(key), r] as const),
      }),
    ),
  );
}

function regionLink(req: SimRequest): string {
  return computeLink(`projects/${param(req, 'project')}/regions/${param(req, 'region')}`);
}

function healthCheckRoutes(sim: Sim): Route[] {
  const normalise = (hc: Resource): Resource => {
    if (typeof hc.type !== 'string')
      throw invalid("Invalid value for field 'resource.type': ''. Must be set.");
    hc.checkIntervalSec ??= 5;
    hc.timeoutSec ??= 5;
    hc.healthyThreshold ??= 2;
    hc.unhealthyThreshold ??= 2;
    return hc;
  };
  const inUse = (key: string) => () => {
    const url = computeLink(key);
    const user = sim.store
      .list<Resource>('backendServices')
      .find((b) => ((b.healthChecks as string[] | undefined) ?? []).includes(url));
    if (user) throw resourceInUse(key, refPath(user.selfLink, ''), 'healthCheck');
  };
  const replace = (req: SimRequest, verb: 'patch' | 'update') => {
    const body = bodyObject(req);
    return regionalMutation(sim, HC, req, verb, param(req, 'healthCheck'), (key) => {
      const hc = mustGet(sim, HC.path, key);
      const next =
        verb === 'patch'
          ? (mergePatch(structuredClone(hc), writable(body)) as Resource)
          : ({
              ...pick(hc, ['kind', 'id', 'creationTimestamp', 'selfLink', 'region']),
              ...writable(body),
              name: hc.name,
            } as Resource);
      return putExisting(sim, HC.path, key, normalise(next));
    });
  };
  return [
    route('GET', 'regions/{region}/healthChecks', HC.collection, 'list', 'read', (req) =>
      regionalList(sim, HC, req),
    ),
    route(
      'GET',
      'regions/{region}/healthChecks/{healthCheck}',
      HC.collection,
      'get',
      'read',
      (req) => regionalGet(sim, HC, req, 'healthCheck'),
    ),
    route('POST', 'regions/{region}/healthChecks', HC.collection, 'insert', 'write', (req) => {
      const body = bodyObject(req);
      const name = requireString(body, 'name');
      return regionalMutation(sim, HC, req, 'insert', name, (key) => {
        checkName(name);
        if (sim.store.get(HC.path, key)) throw alreadyExists(key);
        const hc = normalise({
          ...baseFields(sim, 'compute#healthCheck', key, name),
          ...writable(body),
          region: regionLink(req),
        });
        return putNew(sim, HC.path, key, hc);
      });
    }),
    route(
      'PATCH',
      'regions/{region}/healthChecks/{healthCheck}',
      HC.collection,
      'patch',
      'write',
      (req) => replace(req, 'patch'),
    ),
    route(
      'PUT',
      'regions/{region}/healthChecks/{healthCheck}',
      HC.collection,
      'update',
      'write',
      (req) => replace(req, 'update'),
    ),
    route(
      'DELETE',
      'regions/{region}/healthChecks/{healthCheck}',
      HC.collection,
      'delete',
      'write',
      (req) =>
        regionalMutation(sim, HC, req, 'delete', param(req, 'healthCheck'), (key) => {
          mustGet(sim, HC.path, key);
          inUse(key)();
          return deleteExisting(sim, HC.path, key, inUse(key));
        }),
    ),
  ];
}

function pick(o: JsonObject, keys: string[]): JsonObject {
  return Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k] ?? null]));
}

/**
 * Backend services carry a fingerprint that changes on every write. "An up-to-date fingerprint
 * must be provided in order to update the BackendService, otherwise the request will fail with
 * error 412 conditionNotMet." (https://cloud.google.com/compute/docs/reference/rest/v1/regionBackendServices, fingerprint)
 */
function backendServiceRoutes(sim: Sim): Route[] {
  const normalise = (bs: Resource, project: string, previous?: Resource): Resource => {
    bs.loadBalancingScheme ??= 'INTERNAL';
    bs.protocol ??= 'TCP';
    bs.sessionAffinity ??= 'NONE';
    bs.timeoutSec ??= 30;
    bs.connectionDraining ??= { drainingTimeoutSec: 0 };
    // References are kept as Compute's canonical URLs whatever form was sent; a missing one is
    // 404 notFound (https://cloud.google.com/compute/docs/api/handling-errors).
    if (typeof bs.network === 'string') {
      const key = refPath(bs.network, project);
      mustGet(sim, 'networks', key);
      bs.network = computeLink(key);
    }
    if (previous && (previous.network ?? null) !== (bs.network ?? null)) {
      throw invalid(
        `Invalid value for field 'resource.network': '${refPath(String(bs.network ?? ''), project)}'. Network field cannot be modified.`,
      );
    }
    bs.healthChecks = ((bs.healthChecks as string[] | undefined) ?? []).map((h) => {
      const key = refPath(h, project);
      mustGet(sim, HC.path, key);
      return computeLink(key);
    });
    if (bs.loadBalancingScheme === 'INTERNAL' && (bs.healthChecks as string[]).length === 0) {
      throw invalid(
        "Invalid value for field 'resource.healthChecks': ''. Health check must be specified for the INTERNAL load balancing scheme.",
      );
    }
    // An internal passthrough load balancer "operates in a single VPC network" and sends to the
    // backends' interfaces in it (https://cloud.google.com/load-balancing/docs/internal,
    // https://cloud.google.com/load-balancing/docs/internal/ilb-next-hop-overview): every group
    // is of the backend service's network, or, when it names none, of the first group's.
    let network = typeof bs.network === 'string' ? bs.network : undefined;
    const seen = new Set<string>();
    bs.backends = ((bs.backends as JsonObject[] | undefined) ?? []).map((b, i) => {
      const key = refPath(String(b.group ?? ''), project);
      const group = sim.store.get<Resource>('instanceGroups', key);
      if (!group) throw notFound(key);
      const url = computeLink(key);
      const field = `resource.backends[${i}].group`;
      if (seen.has(url)) {
        throw invalid(
          `Invalid value for field '${field}': '${url}'. Duplicate instance groups in backend service.`,
        );
      }
      seen.add(url);
      const groupNet = typeof group.network === 'string' ? group.network : undefined;
      network ??= groupNet;
      if (bs.loadBalancingScheme === 'INTERNAL' && groupNet && groupNet !== network) {
        throw invalid(
          `Invalid value for field '${field}': '${url}'. Instance group network ${refPath(groupNet, '')} must be the same as backend service network ${refPath(String(network), '')}.`,
        );
      }
      return { balancingMode: 'CONNECTION', ...b, group: url };
    });
    refuseInstancesInOtherGroups(
      sim,
      String(bs.selfLink ?? ''),
      (bs.backends as JsonObject[]).map((b) => refPath(String(b.group), project)),
    );
    return bs;
  };
  const replace = (req: SimRequest, verb: 'patch' | 'update') => {
    const body = bodyObject(req);
    return regionalMutation(sim, BS, req, verb, param(req, 'backendService'), (key) => {
      const bs = mustGet(sim, BS.path, key);
      checkFingerprint(body.fingerprint, bs.fingerprint, key);
      const base =
        verb === 'patch'
          ? (mergePatch(structuredClone(bs), writable(body)) as Resource)
          : ({
              ...pick(bs, ['kind', 'id', 'creationTimestamp', 'selfLink', 'region']),
              ...writable(body),
              name: bs.name,
            } as Resource);
      const next = normalise(base, param(req, 'project'), bs);
      next.fingerprint = newFingerprint();
      return () => {
        const live = mustGet(sim, BS.path, key);
        checkFingerprint(body.fingerprint, live.fingerprint, key);
        sim.store.put(BS.path, key, next);
      };
    });
  };
  const inUse = (key: string) => () => {
    const url = computeLink(key);
    const user = sim.store.list<Resource>('forwardingRules').find((f) => f.backendService === url);
    if (user) throw resourceInUse(key, refPath(user.selfLink, ''), 'backendService');
  };
  return [
    route('GET', 'regions/{region}/backendServices', BS.collection, 'list', 'read', (req) =>
      regionalList(sim, BS, req),
    ),
    route(
      'GET',
      'regions/{region}/backendServices/{backendService}',
      BS.collection,
      'get',
      'read',
      (req) => regionalGet(sim, BS, req, 'backendService'),
    ),
    route('POST', 'regions/{region}/backendServices', BS.collection, 'insert', 'write', (req) => {
      const body = bodyObject(req);
      const name = requireString(body, 'name');
      return regionalMutation(sim, BS, req, 'insert', name, (key) => {
        checkName(name);
        if (sim.store.get(BS.path, key)) throw alreadyExists(key);
        const bs = normalise(
          {
            ...baseFields(sim, 'compute#backendService', key, name),
            ...writable(body),
            region: regionLink(req),
          },
          param(req, 'project'),
        );
        bs.fingerprint = newFingerprint();
        return putNew(sim, BS.path, key, bs);
      });
    }),
    route(
      'PATCH',
      'regions/{region}/backendServices/{backendService}',
      BS.collection,
      'patch',
      'write',
      (req) => replace(req, 'patch'),
    ),
    route(
      'PUT',
      'regions/{region}/backendServices/{backendService}',
      BS.collection,
      'update',
      'write',
      (req) => replace(req, 'update'),
    ),
    route(
      'DELETE',
      'regions/{region}/backendServices/{backendService}',
      BS.collection,
      'delete',
      'write',
      (req) =>
        regionalMutation(sim, BS, req, 'delete', param(req, 'backendService'), (key) => {
          mustGet(sim, BS.path, key);
          inUse(key)();
          return deleteExisting(sim, BS.path, key, inUse(key));
        }),
    ),
  ];
}

/**
 * Regional forwarding rules. INTERNAL ones need a backend service and a subnetwork (or a network
 * with one subnetwork in the region) and get `IPAddress` from the subnet's primary range when
 * none is given (https://cloud.google.com/load-balancing/docs/internal/setting-up-internal#ip-address).
 * Patch can change only allowGlobalAccess, networkTier and description here
 * (https://cloud.google.com/compute/docs/reference/rest/v1/forwardingRules/patch); IPAddress
 * "can only be set at creation" (ForwardingRule.IPAddress).
 */
function forwardingRuleRoutes(sim: Sim): Route[] {
  const PATCHABLE = new Set([
    'allowGlobalAccess',
    'networkTier',
    'description',
    'name',
    'fingerprint',
  ]);
  return [
    route('GET', 'regions/{region}/forwardingRules', FR.collection, 'list', 'read', (req) =>
      regionalList(sim, FR, req),
    ),
    route(
      'GET',
      'regions/{region}/forwardingRules/{forwardingRule}',
      FR.collection,
      'get',
      'read',
      (req) => regionalGet(sim, FR, req, 'forwardingRule'),
    ),
    route('POST', 'regions/{region}/forwardingRules', FR.collection, 'insert', 'write', (req) => {
      const body = bodyObject(req);
      const name = requireString(body, 'name');
      return regionalMutation(sim, FR, req, 'insert', name, (key) => {
        checkName(name);
        if (sim.store.get(FR.path, key)) throw alreadyExists(key);
        const project = param(req, 'project');
        const region = param(req, 'region');
        const fr: Resource = {
          ...baseFields(sim, 'compute#forwardingRule', key, name),
          IPProtocol: 'TCP',
          loadBalancingScheme: 'EXTERNAL',
          networkTier: 'PREMIUM',
          ...writable(body),
          region: regionLink(req),
          fingerprint: newFingerprint(),
          labelFingerprint: '42WmSpB8rSM=',
        };
        if (fr.loadBalancingScheme !== 'INTERNAL') {
          throw invalid(
            "Invalid value for field 'resource.loadBalancingScheme': the simulator supports INTERNAL forwarding rules only.",
          );
        }
        const bsRef = requireString(fr, 'backendService');
        const bsKey = refPath(bsRef, project);
        const bs = mustGet(sim, BS.path, bsKey);
        fr.backendService = computeLink(bsKey);
        const sub = subnetFor(sim, project, region, fr);
        fr.subnetwork = sub.selfLink;
        fr.network = sub.network;
        // The rule and its backend service share one VPC network (load-balancing/docs/internal);
        // the wording is Compute's answer to a rule on another network.
        const bsNet = backendServiceNetwork(sim, bs);
        if (bsNet && bsNet !== fr.network) {
          throw invalid(
            `Invalid value for field 'resource.backendService': '${fr.backendService}'. Forwarding rule network ${refPath(sub.network, '')} must be the same as backend service network ${refPath(bsNet, '')}.`,
          );
        }
        if (fr.ports !== undefined && fr.allPorts === true)
          throw invalid(
            "Invalid value for field 'resource.ports': ports and allPorts are exclusive.",
          );
        if (Array.isArray(fr.ports) && fr.ports.length > 5)
          throw invalid("Invalid value for field 'resource.ports': at most 5 ports.");
        // IPAddress: a number, or a reserved address by URL or name; stored and read back as
        // the number ("When reading an IPAddress, the API always returns the IP address
        // number", ForwardingRule.IPAddress). A reservation named by URL or name is looked up
        // now and again when the operation lands; a number is checked when it lands.
        const given =
          typeof body.IPAddress === 'string' && body.IPAddress !== '' ? body.IPAddress : null;
        if (given && !/^[\d.]+$/.test(given))
          forwardingRuleAddress(sim, project, region, sub, given);
        const apply = () => {
          if (sim.store.get(FR.path, key)) throw alreadyExists(key);
          fr.IPAddress = given
            ? forwardingRuleAddress(sim, project, region, sub, given)
            : allocateAddress(sim, sub);
          sim.store.put(FR.path, key, fr);
        };
        return { apply, targetId: fr.id };
      });
    }),
    route(
      'PATCH',
      'regions/{region}/forwardingRules/{forwardingRule}',
      FR.collection,
      'patch',
      'write',
      (req) => {
        const body = bodyObject(req);
        return regionalMutation(sim, FR, req, 'patch', param(req, 'forwardingRule'), (key) => {
          const fr = mustGet(sim, FR.path, key);
          // "Include the fingerprint in patch request to ensure that you do not overwrite
          // changes" (ForwardingRule.fingerprint): checked when given.
          if (body.fingerprint !== undefined)
            checkFingerprint(body.fingerprint, fr.fingerprint, key);
          for (const [k, v] of Object.entries(writable(body))) {
            if (!PATCHABLE.has(k) && JSON.stringify(v) !== JSON.stringify(fr[k])) {
              throw invalid(
                `Invalid value for field 'resource.${k}': this field cannot be patched.`,
              );
            }
          }
          const next = structuredClone(fr);
          for (const k of ['allowGlobalAccess', 'networkTier', 'description'])
            if (body[k] !== undefined) next[k] = structuredClone(body[k]) as JsonObject[string];
          next.fingerprint = newFingerprint();
          return () => {
            const live = mustGet(sim, FR.path, key);
            if (body.fingerprint !== undefined)
              checkFingerprint(body.fingerprint, live.fingerprint, key);
            sim.store.put(FR.path, key, next);
          };
        });
      },
    ),
    route(
      'DELETE',
      'regions/{region}/forwardingRules/{forwardingRule}',
      FR.collection,
      'delete',
      'write',
      (req) =>
        regionalMutation(sim, FR, req, 'delete', param(req, 'forwardingRule'), (key) => {
          mustGet(sim, FR.path, key);
          return deleteExisting(sim, FR.path, key);
        }),
    ),
  ];
}

/** A backend service's network: its own, or that of its first instance group. */
function backendServiceNetwork(sim: Sim, bs: Resource): string | undefined {
  if (typeof bs.network === 'string') return bs.network;
  const first = (bs.backends as JsonObject[] | undefined)?.[0]?.group;
  const group =
    typeof first === 'string'
      ? sim.store.get<Resource>('instanceGroups', refPath(first, ''))
      : undefined;
  return typeof group?.network === 'string' ? group.network : undefined;
}

function subnetFor(sim: Sim, project: string, region: string, fr: Resource): Subnetwork {
  if (typeof fr.subnetwork === 'string') {
    const key = refPath(fr.subnetwork, project);
    const sub = mustGet<Subnetwork>(sim, 'subnetworks', key);
    if (lastSegment(sub.region) !== region)
      throw invalid(
        `Invalid value for field 'resource.subnetwork': '${fr.subnetwork}'. Subnetwork must be in region '${region}'.`,
      );
    return sub;
  }
  if (typeof fr.network === 'string') {
    const netUrl = computeLink(refPath(fr.network, project));
    const subs = sim.store
      .list<Subnetwork>('subnetworks', `projects/${project}/regions/${region}/subnetworks/`)
      .filter((s) => s.network === netUrl);
    if (subs.length === 1 && subs[0]) return subs[0];
  }
  throw invalid(
    "Invalid value for field 'resource.subnetwork': ''. A subnetwork must be specified for INTERNAL forwarding rules.",
  );
}
