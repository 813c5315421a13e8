import { alreadyExists, invalid, notFound, resourceInUse } from '../core/errors.ts';
import { ok } from '../core/http.ts';
import { computeLink, lastSegment, refPath } from '../core/links.ts';
import type { Route, SimRequest } from '../core/router.ts';
import type { Sim } from '../core/sim.ts';
import type { JsonObject } from '../core/store.ts';
import { bounds, ipOf } from './cidr.ts';
import {
  aggregatedReply,
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
  scopeOfKey,
  writable,
} from './common.ts';
import type { Subnetwork } from './ranges.ts';
import { regionalKey } from './regional.ts';

/**
 * Regional addresses (https://cloud.google.com/compute/docs/reference/rest/v1/addresses):
 * internal ones reserved in a subnet, for a forwarding rule. "Reserving a static internal IP
 * address takes it out of the dynamic allocation pool so that it isn't used for automatic
 * allocations" (https://cloud.google.com/vpc/docs/reserve-static-internal-ip-address).
 */
const PATH = 'addresses';

/** Reserved internal addresses of a subnetwork. */
function reservedIn(sim: Sim, sub: Subnetwork): Resource[] {
  return sim.store.list<Resource>(PATH).filter((a) => a.subnetwork === sub.selfLink);
}

/** Internal addresses in use in a subnetwork: forwarding rules, instance NICs, reservations. */
function usedIn(sim: Sim, sub: Subnetwork): Set<string> {
  const used = new Set<string>();
  for (const f of sim.store.list<Resource>('forwardingRules')) {
    if (f.subnetwork === sub.selfLink && typeof f.IPAddress === 'string') used.add(f.IPAddress);
  }
  for (const i of sim.store.list<Resource>('instances')) {
    for (const n of (i.networkInterfaces as JsonObject[] | undefined) ?? []) {
      if (n.subnetwork === sub.selfLink && typeof n.networkIP === 'string') used.add(n.networkIP);
    }
  }
  for (const a of reservedIn(sim, sub)) if (typeof a.address === 'string') used.add(a.address);
  return used;
}

/**
 * The first free internal address of a subnet's primary range. Skips what GCP reserves in
 * every subnet: the network address, the gateway (second), the second-to-last and the
 * broadcast address (https://cloud.google.com/vpc/docs/subnets#unusable-ip-addresses-in-every-subnet),
 * and every reserved address. Throws 400 when the range is full.
 */
export function allocateAddress(sim: Sim, sub: Subnetwork): string {
  const { start, end } = bounds(sub.ipCidrRange);
  const used = usedIn(sim, sub);
  for (let n = start + 2n; n <= end - 2n; n++) {
    const ip = ipOf(n);
    if (!used.has(ip)) return ip;
  }
  throw invalid(`IP space of '${sub.selfLink}' is exhausted.`);
}

/**
 * Checks a requested internal address: inside the primary range, not reserved, not in use.
 * "Invalid value for field 'resource.IPAddress': '...'. Specified IP address is in-use and would
 * result in a conflict." is Compute's wording for the last case. `field` is the request's field
 * (`IPAddress` of a forwarding rule, `address` of an address).
 */
export function checkAddress(sim: Sim, sub: Subnetwork, ip: string, field = 'IPAddress'): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m || m.slice(1).some((o) => Number(o) > 255))
    throw invalid(`Invalid value for field 'resource.${field}': '${ip}'. Must be an IPv4 address.`);
  const n = m.slice(1).reduce((acc, o) => (acc << 8n) + BigInt(Number(o)), 0n);
  const { start, end } = bounds(sub.ipCidrRange);
  if (n < start + 2n || n > end - 2n) {
    throw invalid(
      `Invalid value for field 'resource.${field}': '${ip}'. The specified IP address is not in the subnetwork's usable range ${sub.ipCidrRange}.`,
    );
  }
  if (usedIn(sim, sub).has(ip)) {
    throw invalid(
      `Invalid value for field 'resource.${field}': '${ip}'. Specified IP address is in-use and would result in a conflict.`,
    );
  }
  return ip;
}

/** The forwarding rules that serve an address: "The URLs of the resources that are using this address" (Address.users). */
function usersOf(sim: Sim, a: Resource): string[] {
  return sim.store
    .list<Resource>('forwardingRules')
    .filter(
      (f) => f.region === a.region && f.subnetwork === a.subnetwork && f.IPAddress === a.address,
    )
    .map((f) => f.selfLink)
    .sort();
}

/**
 * An address as read: `status` IN_USE with its `users` while a forwarding rule serves it,
 * RESERVED otherwise (Address.status: "RESERVING ... RESERVED ... IN_USE").
 */
function view(sim: Sim, a: Resource): Resource {
  const users = usersOf(sim, a);
  return users.length > 0 ? { ...a, status: 'IN_USE', users } : { ...a, status: 'RESERVED' };
}

/**
 * The address an INTERNAL forwarding rule's `IPAddress` names: a reservation by URL, partial URL
 * or name, or by its number (ForwardingRule.IPAddress: "specify an IP address that references
 * an existing static (reserved) IP address resource", as "IP address number", "Full resource
 * URL", "Partial URL or by name"). An address of purpose GCE_ENDPOINT has one user; a number
 * that no reservation holds is checked as an ephemeral IP. Returns the IP number.
 */
export function forwardingRuleAddress(
  sim: Sim,
  project: string,
  region: string,
  sub: Subnetwork,
  given: string,
): string {
  const number = /^\d{1,3}(\.\d{1,3}){3}$/.test(given);
  const reserved = number
    ? reservedIn(sim, sub).find((a) => a.address === given)
    : sim.store.get<Resource>(
        PATH,
        refPath(given.includes('/') ? given : `regions/${region}/addresses/${given}`, project),
      );
  if (!reserved) {
    if (number) return checkAddress(sim, sub, given);
    throw notFound(
      refPath(given.includes('/') ? given : `regions/${region}/addresses/${given}`, project),
    );
  }
  if (reserved.subnetwork !== sub.selfLink)
    throw invalid(
      `Invalid value for field 'resource.IPAddress': '${given}'. The address is reserved in subnetwork '${refPath(String(reserved.subnetwork), '')}', not in the forwarding rule's '${refPath(sub.selfLink, '')}'.`,
    );
  const user = usersOf(sim, reserved)[0];
  if (user)
    throw invalid(
      `Invalid value for field 'resource.IPAddress': '${given}'. Specified IP address is in-use and would result in a conflict.`,
    );
  return String(reserved.address);
}

/** Registers the address routes: list, get, aggregatedList, insert and delete. */
export function addressRoutes(sim: Sim): Route[] {
  const keyOf = (req: SimRequest, name: string) =>
    regionalKey(param(req, 'project'), param(req, 'region'), PATH, name);
  const mutation = (
    req: SimRequest,
    verb: 'insert' | 'delete',
    name: string,
    prepare: (key: string) => Prepared,
  ) => {
    const region = param(req, 'region');
    const key = keyOf(req, name);
    const existing = sim.store.get<Resource>(PATH, key);
    return mutate(sim, {
      req,
      project: param(req, 'project'),
      scope: { kind: 'region', region },
      collection: PATH,
      verb,
      resourcePath: key,
      // The monitored resource of an address (https://cloud.google.com/logging/docs/api/v2/resource-list).
      resourceType: 'gce_reserved_address',
      resourceLabels: {
        ...(existing ? { reserved_address_id: existing.id } : {}),
        location: region,
      },
      idLabel: 'reserved_address_id',
      targetId: existing?.id,
      permission: `compute.addresses.${verb === 'insert' ? 'create' : 'delete'}`,
      prepare: () => prepare(key),
    });
  };
  return [
    route('GET', 'regions/{region}/addresses', PATH, 'list', 'read', (req) => {
      const prefix = `projects/${param(req, 'project')}/regions/${param(req, 'region')}/${PATH}`;
      const items = sim.store.list<Resource>(PATH, `${prefix}/`).map((a) => view(sim, a));
      return listReply(req, 'compute#addressList', prefix, items);
    }),
    route('GET', 'regions/{region}/addresses/{address}', PATH, 'get', 'read', (req) =>
      ok(view(sim, mustGet(sim, PATH, keyOf(req, param(req, 'address'))))),
    ),
    // https://cloud.google.com/compute/docs/reference/rest/v1/addresses/aggregatedList
    route('GET', 'aggregated/addresses', PATH, 'aggregatedList', 'read', (req) =>
      aggregatedReply(sim, req, {
        kind: 'compute#addressAggregatedList',
        collection: PATH,
        types: ['global', 'regions'],
        items: sim.store
          .entries<Resource>(PATH, `projects/${param(req, 'project')}/`)
          .map(([key, a]) => [scopeOfKey(key), view(sim, a)] as const),
      }),
    ),
    route('POST', 'regions/{region}/addresses', PATH, 'insert', 'write', (req) => {
      const body = bodyObject(req);
      const name = requireString(body, 'name');
      return mutation(req, 'insert', name, (key) => {
        checkName(name);
        if (sim.store.get(PATH, key)) throw alreadyExists(key);
        const project = param(req, 'project');
        const region = param(req, 'region');
        // "If unspecified, defaults to EXTERNAL" (Address.addressType).
        const fields = writable(body);
        delete fields.status;
        delete fields.users;
        const a: Resource = {
          ...baseFields(sim, 'compute#address', key, name),
          addressType: 'EXTERNAL',
          ...fields,
          region: computeLink(`projects/${project}/regions/${region}`),
          labelFingerprint: '42WmSpB8rSM=',
        };
        if (a.addressType !== 'INTERNAL')
          throw invalid(
            "Invalid value for field 'resource.addressType': the simulator reserves INTERNAL addresses only.",
          );
        // "This field can only be used with INTERNAL type with a GCE_ENDPOINT or DNS_RESOLVER
        // purpose" (Address.subnetwork); GCE_ENDPOINT is the purpose of an internal address
        // for a VM or an internal load balancer's forwarding rule (Address.purpose).
        a.purpose ??= 'GCE_ENDPOINT';
        if (a.purpose !== 'GCE_ENDPOINT')
          throw invalid(
            `Invalid value for field 'resource.purpose': '${String(a.purpose)}'. The simulator reserves GCE_ENDPOINT addresses only.`,
          );
        if (typeof a.subnetwork !== 'string' || a.subnetwork === '')
          throw invalid(
            "Invalid value for field 'resource.subnetwork': ''. An INTERNAL address of purpose GCE_ENDPOINT needs a subnetwork.",
          );
        const subKey = refPath(a.subnetwork, project);
        const sub = mustGet<Subnetwork>(sim, 'subnetworks', subKey);
        if (lastSegment(sub.region) !== region)
          throw invalid(
            `Invalid value for field 'resource.subnetwork': '${a.subnetwork}'. Subnetwork must be in region '${region}'.`,
          );
        a.subnetwork = sub.selfLink;
        delete a.network;
        const given = typeof body.address === 'string' && body.address !== '' ? body.address : null;
        // Checked now and again when the operation lands: another reservation may come first.
        if (given) checkAddress(sim, sub, given, 'address');
        const apply = () => {
          if (sim.store.get(PATH, key)) throw alreadyExists(key);
          // Without `address`, Compute takes a free one from the subnet's primary range
          // (https://cloud.google.com/vpc/docs/reserve-static-internal-ip-address).
          a.address = given ? checkAddress(sim, sub, given, 'address') : allocateAddress(sim, sub);
          sim.store.put(PATH, key, a);
        };
        return { apply, targetId: a.id };
      });
    }),
    route('DELETE', 'regions/{region}/addresses/{address}', PATH, 'delete', 'write', (req) =>
      mutation(req, 'delete', param(req, 'address'), (key) => {
        // An address a forwarding rule serves cannot be released: 400
        // resourceInUseByAnotherResource, as for every Compute resource another one uses.
        const inUse = () => {
          const a = mustGet(sim, PATH, key);
          const user = usersOf(sim, a)[0];
          if (user) throw resourceInUse(key, refPath(user, ''), 'address');
        };
        inUse();
        return () => {
          inUse();
          if (!sim.store.delete(PATH, key)) throw notFound(key);
        };
      }),
    ),
  ];
}
