import { alreadyExists, invalid, notFound, resourceInUse } from '../core/errors.ts';
import { ok } from '../core/http.ts';
import { computeLink, refPath } from '../core/links.ts';
import type { Route, SimRequest } from '../core/router.ts';
import type { Sim } from '../core/sim.ts';
import type { JsonObject } from '../core/store.ts';
import { bounds, checkRange, contains, ipOf, overlaps, prefixOf } from './cidr.ts';
import {
  aggregatedReply,
  baseFields,
  bodyObject,
  checkFingerprint,
  checkName,
  listReply,
  mustGet,
  mutate,
  newFingerprint,
  type Prepared,
  param,
  type Resource,
  requireString,
  route,
  scopeOfKey,
  writable,
} from './common.ts';
import { activePeers } from './peering.ts';
import { rangesOf, type Subnetwork } from './ranges.ts';

const C = 'subnetworks';

/** Store key of a subnetwork. */
export function subnetKey(project: string, region: string, name: string): string {
  return `projects/${project}/regions/${region}/subnetworks/${name}`;
}

/**
 * Subnetworks: insert, get, list, patch, delete, expandIpCidrRange
 * (https://cloud.google.com/compute/docs/reference/rest/v1/subnetworks). Primary and secondary
 * ranges may not overlap any range of the same network (any region), nor of an ACTIVE peer
 * (https://cloud.google.com/vpc/docs/subnets#valid-ranges, https://cloud.google.com/vpc/docs/vpc-peering#restrictions).
 * A patch must carry the current fingerprint (412 conditionNotMet otherwise).
 */
export function subnetworkRoutes(sim: Sim): Route[] {
  const mutation = (
    req: SimRequest,
    verb: string,
    name: string,
    permission: string,
    prepare: () => Prepared,
  ) => {
    const project = param(req, 'project');
    const region = param(req, 'region');
    const key = subnetKey(project, region, name);
    const existing = sim.store.get<Resource>(C, key);
    return mutate(sim, {
      req,
      project,
      scope: { kind: 'region', region },
      collection: C,
      verb,
      resourcePath: key,
      resourceType: 'gce_subnetwork',
      idLabel: 'subnetwork_id',
      resourceLabels: {
        ...(existing ? { subnetwork_id: existing.id } : {}),
        subnetwork_name: name,
        location: region,
      },
      targetId: existing?.id,
      permission,
      prepare,
    });
  };

  return [
    route('GET', 'regions/{region}/subnetworks', C, 'list', 'read', (req) => {
      const prefix = `projects/${param(req, 'project')}/regions/${param(req, 'region')}/subnetworks`;
      return listReply(req, 'compute#subnetworkList', prefix, sim.store.list(C, `${prefix}/`));
    }),
    // https://cloud.google.com/compute/docs/reference/rest/v1/subnetworks/aggregatedList
    route('GET', 'aggregated/subnetworks', C, 'aggregatedList', 'read', (req) =>
      aggregatedReply(sim, req, {
        kind: 'compute#subnetworkAggregatedList',
        collection: C,
        types: ['regions'],
        items: sim.store
          .entries<Subnetwork>(C, `projects/${param(req, 'project')}/regions/`)
          .map(([key, s]) => [scopeOfKey(key), s] as const),
      }),
    ),
    route('GET', 'regions/{region}/subnetworks/{subnetwork}', C, 'get', 'read', (req) =>
      ok(
        mustGet(
          sim,
          C,
          subnetKey(param(req, 'project'), param(req, 'region'), param(req, 'subnetwork')),
        ),
      ),
    ),
    route('POST', 'regions/{region}/subnetworks', C, 'insert', 'write', (req) => {
      const body = bodyObject(req);
      const name = requireString(body, 'name');
      return mutation(req, 'insert', name, 'compute.subnetworks.create', () => {
        checkName(name);
        const project = param(req, 'project');
        const region = param(req, 'region');
        const key = subnetKey(project, region, name);
        if (sim.store.get(C, key)) throw alreadyExists(key);
        const netKey = refPath(requireString(body, 'network'), project);
        const net = mustGet(sim, 'networks', netKey);
        const primary = checkRange(body.ipCidrRange, 'resource.ipCidrRange');
        const secondaries = secondaryRanges(body.secondaryIpRanges);
        checkFree(sim, netKey, key, [primary, ...secondaries.map((s) => s.ipCidrRange)]);
        const sub: Subnetwork = {
          ...baseFields(sim, 'compute#subnetwork', key, name),
          privateIpGoogleAccess: false,
          stackType: 'IPV4_ONLY',
          purpose: 'PRIVATE',
          ...writable(body),
          network: net.selfLink,
          region: computeLink(`projects/${project}/regions/${region}`),
          ipCidrRange: primary,
          gatewayAddress: gateway(primary),
          secondaryIpRanges: secondaries,
          fingerprint: newFingerprint(),
        };
        const apply = () => {
          if (sim.store.get(C, key)) throw alreadyExists(key);
          const liveNet = mustGet(sim, 'networks', netKey);
          checkFree(sim, netKey, key, [primary, ...secondaries.map((s) => s.ipCidrRange)]);
          sim.store.put(C, key, sub);
          liveNet.subnetworks = [
            ...((liveNet.subnetworks as string[] | undefined) ?? []),
            sub.selfLink,
          ];
        };
        return { apply, targetId: sub.id };
      });
    }),
    route('PATCH', 'regions/{region}/subnetworks/{subnetwork}', C, 'patch', 'write', (req) => {
      const name = param(req, 'subnetwork');
      const body = bodyObject(req);
      return mutation(req, 'patch', name, 'compute.subnetworks.update', () => {
        const key = subnetKey(param(req, 'project'), param(req, 'region'), name);
        const sub = mustGet<Subnetwork>(sim, C, key);
        // "fingerprint ... must be provided in order to update the Subnetwork" (subnetworks/patch).
        if (typeof body.fingerprint !== 'string') {
          throw invalid(
            "Invalid value for field 'resource.fingerprint': ''. Supplied fingerprint is required.",
          );
        }
        checkFingerprint(body.fingerprint, sub.fingerprint, key);
        if (body.ipCidrRange !== undefined && body.ipCidrRange !== sub.ipCidrRange) {
          throw invalid(
            "Invalid value for field 'resource.ipCidrRange': use expandIpCidrRange to change the primary range.",
          );
        }
        const next = structuredClone(sub);
        for (const f of [
          'description',
          'privateIpGoogleAccess',
          'logConfig',
          'stackType',
          'privateIpv6GoogleAccess',
        ] as const) {
          if (body[f] !== undefined) next[f] = structuredClone(body[f]) as JsonObject[string];
        }
        if (body.secondaryIpRanges !== undefined) {
          next.secondaryIpRanges = secondaryRanges(body.secondaryIpRanges);
          checkFree(
            sim,
            refPath(sub.network, ''),
            key,
            [sub.ipCidrRange, ...next.secondaryIpRanges.map((r) => r.ipCidrRange)],
            true,
          );
        }
        next.fingerprint = newFingerprint();
        return () => {
          const live = sim.store.get<Subnetwork>(C, key);
          if (!live) throw notFound(key);
          checkFingerprint(String(body.fingerprint), live.fingerprint, key);
          sim.store.put(C, key, next);
        };
      });
    }),
    route(
      'POST',
      'regions/{region}/subnetworks/{subnetwork}/expandIpCidrRange',
      C,
      'expandIpCidrRange',
      'write',
      (req) => {
        const name = param(req, 'subnetwork');
        const body = bodyObject(req);
        return mutation(
          req,
          'expandIpCidrRange',
          name,
          'compute.subnetworks.expandIpCidrRange',
          () => {
            const key = subnetKey(param(req, 'project'), param(req, 'region'), name);
            const sub = mustGet<Subnetwork>(sim, C, key);
            const wider = checkRange(body.ipCidrRange, 'ipCidrRange');
            // The new range must contain the old one and be larger
            // (https://cloud.google.com/compute/docs/reference/rest/v1/subnetworks/expandIpCidrRange).
            if (!contains(wider, sub.ipCidrRange) || prefixOf(wider) >= prefixOf(sub.ipCidrRange)) {
              throw invalid(
                `Invalid value for field 'ipCidrRange': '${wider}'. The new range must contain the current range '${sub.ipCidrRange}' and be larger.`,
              );
            }
            checkFree(sim, refPath(sub.network, ''), key, [wider]);
            return () => {
              const live = mustGet<Subnetwork>(sim, C, key);
              live.ipCidrRange = wider;
              live.fingerprint = newFingerprint();
            };
          },
        );
      },
    ),
    // https://cloud.google.com/compute/docs/reference/rest/v1/subnetworks/setPrivateIpGoogleAccess:
    // the body is {privateIpGoogleAccess}; absent reads as false, proto3's default.
    route(
      'POST',
      'regions/{region}/subnetworks/{subnetwork}/setPrivateIpGoogleAccess',
      C,
      'setPrivateIpGoogleAccess',
      'write',
      (req) => {
        const name = param(req, 'subnetwork');
        const body = bodyObject(req);
        const want = body.privateIpGoogleAccess ?? false;
        if (typeof want !== 'boolean') {
          throw invalid(
            `Invalid value for field 'privateIpGoogleAccess': '${String(want)}'. Must be a boolean.`,
          );
        }
        return mutation(
          req,
          'setPrivateIpGoogleAccess',
          name,
          'compute.subnetworks.setPrivateIpGoogleAccess',
          () => {
            const key = subnetKey(param(req, 'project'), param(req, 'region'), name);
            mustGet<Subnetwork>(sim, C, key);
            return () => {
              const live = mustGet<Subnetwork>(sim, C, key);
              live.privateIpGoogleAccess = want;
              // The fingerprint is "a hash of the contents stored in this object".
              live.fingerprint = newFingerprint();
            };
          },
        );
      },
    ),
    route('DELETE', 'regions/{region}/subnetworks/{subnetwork}', C, 'delete', 'write', (req) => {
      const name = param(req, 'subnetwork');
      return mutation(req, 'delete', name, 'compute.subnetworks.delete', () => {
        const key = subnetKey(param(req, 'project'), param(req, 'region'), name);
        const sub = mustGet<Subnetwork>(sim, C, key);
        checkUnused(sim, key, sub);
        return () => {
          checkUnused(sim, key, sub);
          sim.store.delete(C, key);
          const net = sim.store.get<Resource>('networks', refPath(sub.network, ''));
          if (net)
            net.subnetworks = ((net.subnetworks as string[] | undefined) ?? []).filter(
              (u) => u !== sub.selfLink,
            );
        };
      });
    }),
  ];
}

function secondaryRanges(raw: unknown): { rangeName: string; ipCidrRange: string }[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw invalid("Invalid value for field 'resource.secondaryIpRanges'.");
  const seen = new Set<string>();
  return raw.map((r: JsonObject, i) => {
    const rangeName = String(r?.rangeName ?? '');
    checkName(rangeName, `secondaryIpRanges[${i}].rangeName`);
    if (seen.has(rangeName))
      throw invalid(
        `Invalid value for field 'resource.secondaryIpRanges[${i}].rangeName': '${rangeName}'. Duplicate name.`,
      );
    seen.add(rangeName);
    return {
      rangeName,
      ipCidrRange: checkRange(r?.ipCidrRange, `resource.secondaryIpRanges[${i}].ipCidrRange`),
    };
  });
}

/** The subnet's gateway: the second address of the primary range (https://cloud.google.com/vpc/docs/subnets#unusable-ip-addresses-in-every-subnet). */
function gateway(range: string): string {
  return ipOf(bounds(range).start + 1n);
}

/**
 * New ranges must not overlap each other, other subnets of the network (the subnet's own ranges
 * excepted when `keepOwn`), nor ACTIVE peers' ranges. Compute answers 400 invalid
 * "Invalid IPCidrRange: R conflicts with existing subnetwork 'S' in region 'G'."
 */
function checkFree(
  sim: Sim,
  netKey: string,
  selfKey: string,
  ranges: string[],
  keepOwn = false,
): void {
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      const a = ranges[i] ?? '';
      const b = ranges[j] ?? '';
      if (overlaps(a, b))
        throw invalid(`Invalid IPCidrRange: ${b} conflicts with ${a} in the same subnetwork.`);
    }
  }
  const taken = rangesOf(sim, netKey).filter(
    (r) => !(r.subnetKey === selfKey && (keepOwn || r.rangeName === undefined)),
  );
  for (const range of ranges) {
    const hit = taken.find((t) => overlaps(t.range, range));
    if (hit)
      throw invalid(
        `Invalid IPCidrRange: ${range} conflicts with existing subnetwork '${hit.subnetName}' in region '${hit.region}'.`,
      );
    for (const peerKey of activePeers(sim, netKey)) {
      const p = rangesOf(sim, peerKey).find((t) => overlaps(t.range, range));
      if (p)
        throw invalid(
          `Invalid IPCidrRange: ${range} conflicts with subnetwork '${p.subnetName}' in peer network '${peerKey}'.`,
        );
    }
  }
}

/**
 * A subnetwork used by forwarding rules, instances or addresses reserved in it (an address
 * names "the subnetwork in which to reserve the address", Address.subnetwork in
 * https://cloud.google.com/compute/docs/reference/rest/v1/addresses) cannot be deleted.
 */
function checkUnused(sim: Sim, key: string, sub: Subnetwork): void {
  const fr = sim.store.list<Resource>('forwardingRules').find((f) => f.subnetwork === sub.selfLink);
  if (fr) throw resourceInUse(key, refPath(fr.selfLink, ''), 'subnetwork');
  const ip = sim.store.list<Resource>('addresses').find((a) => a.subnetwork === sub.selfLink);
  if (ip) throw resourceInUse(key, refPath(ip.selfLink, ''), 'subnetwork');
  const vm = sim.store
    .list<Resource>('instances')
    .find((i) =>
      ((i.networkInterfaces as JsonObject[] | undefined) ?? []).some(
        (n) => n.subnetwork === sub.selfLink,
      ),
    );
  if (vm) throw resourceInUse(key, refPath(vm.selfLink, ''), 'subnetwork');
}
