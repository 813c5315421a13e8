/**
 * Adapters of the Compute kinds: firewall rules, the internal load balancer's parts, and the
 * networks, subnets and peerings bootstrap provisions. Every write sends the caller's requestId
 * and waits for its operation (compute.ts).
 */
import { AlreadyExistsError, orNull, TerminalError } from '../../core/errors.ts';
import { forwardingRuleKind } from '../../core/model/forwarding-rule.ts';
import type { Address, Firewall } from '../../core/model/resources.ts';
import { normalise } from '../../core/plan/normalise.ts';
import type { ListScope } from '../../core/ports.ts';
import { requestUuid, stepRequestId } from '../../core/request-id.ts';
import { type ApiAddress, type Compute, PEERLINK_NAME_FILTER } from '../compute.ts';
import {
  addressFromApi,
  addressToApi,
  backendServiceFromApi,
  backendServiceToApi,
  firewallFromApi,
  firewallToApi,
  forwardingRuleFromApi,
  forwardingRuleToApi,
  hasOwnerMarker,
  healthCheckFromApi,
  healthCheckToApi,
  networkFromApi,
  networkToApi,
  ownedByPeerlink,
  peeringFromApi,
  peeringToApi,
  peerlinkNamed,
  shortName,
  subnetworkFromApi,
  subnetworkToApi,
} from '../convert.ts';
import { type Adapters, observed } from './adapter.ts';

type ComputeKinds =
  | 'address'
  | 'firewall'
  | 'healthCheck'
  | 'backendService'
  | 'forwardingRule'
  | 'network'
  | 'subnetwork'
  | 'peering';

/** Lists `list(region)` in every region of the scope, keeping peerlink-named items. */
async function perRegion<T extends { name?: string | null }>(
  scope: ListScope,
  list: (region: string) => Promise<T[]>,
  toObserved: (region: string, item: T) => ReturnType<typeof observed>,
) {
  const lists = await Promise.all(
    scope.regions.map(async (region) =>
      (await list(region)).filter((i) => peerlinkNamed(i.name)).map((i) => toObserved(region, i)),
    ),
  );
  return lists.flat();
}

export function computeAdapters(compute: Compute): Pick<Adapters, ComputeKinds> {
  const { project } = compute;

  const updateFirewall = async (r: Firewall, before: Firewall, requestId: string) => {
    // A merge patch cannot carry an empty list (the client drops it), so clearing a list
    // needs the full replacement.
    const clears = (['sourceRanges', 'destinationRanges', 'targetTags'] as const).some(
      (k) => r[k].length === 0 && before[k].length > 0,
    );
    const body = firewallToApi(project, r);
    if (clears) await compute.firewalls.update(r.name, body, requestId);
    else await compute.firewalls.patch(r.name, body, requestId);
  };

  // Addresses go through the collection's client (compute.ts has no wrapper for them).
  const addresses = {
    list: (region: string, filter?: string) =>
      compute.read(`addresses.list ${region}`, async () => {
        const [items] = await (await compute.clients('addresses')).list({
          project,
          region,
          ...(filter ? { filter } : {}),
        });
        return items;
      }),
    insert: (region: string, a: ApiAddress, requestId: string) =>
      compute.mutate(`addresses.insert ${a.name}`, async () =>
        (await compute.clients('addresses')).insert({
          project,
          region,
          addressResource: a,
          requestId: requestUuid(requestId),
        }),
      ),
    delete: (region: string, name: string, requestId: string) =>
      compute.mutate(`addresses.delete ${region}/${name}`, async () =>
        (await compute.clients('addresses')).delete({
          project,
          region,
          address: name,
          requestId: requestUuid(requestId),
        }),
      ),
  };

  /**
   * An address cannot be changed, Compute refuses to delete one a forwarding rule uses
   * (resourceInUseByAnotherResource), and a rule's IPAddress "can only be set at creation"
   * (https://cloud.google.com/compute/docs/reference/rest/v1/forwardingRules). So peerlink's
   * rules on the old address (an internal IP of a subnet serves one rule) go first; the same
   * plan's update of the rule, whose phase comes after the address's, creates it again on the new
   * one. A rule peerlink does not own is left alone and the replacement refused.
   */
  const replaceAddress = async (r: Address, old: Address, requestId: string) => {
    const users = (await compute.forwardingRules.list(old.region)).filter(
      (f) => f.IPAddress === old.address && shortName(f.subnetwork) === old.subnetwork,
    );
    for (const f of users) {
      if (!ownedByPeerlink(f.name, f.description))
        throw new TerminalError(
          `address ${old.name} cannot be replaced: forwarding rule ${f.name} uses it and is not managed by peerlink`,
        );
      const name = f.name ?? '';
      await orNull(
        compute.forwardingRules.delete(old.region, name, stepRequestId(requestId, `rule ${name}`)),
      );
    }
    await orNull(addresses.delete(old.region, old.name, stepRequestId(requestId, 'delete')));
    try {
      await addresses.insert(
        r.region,
        addressToApi(project, r),
        stepRequestId(requestId, 'insert'),
      );
    } catch (e) {
      // Another reconcile made it first.
      if (!(e instanceof AlreadyExistsError)) throw e;
    }
  };

  return {
    address: {
      list: (scope) =>
        perRegion(
          scope,
          (region) => addresses.list(region, PEERLINK_NAME_FILTER),
          (region, a) =>
            observed(addressFromApi(region, a), ownedByPeerlink(a.name, a.description)),
        ),
      create: (r, requestId) => addresses.insert(r.region, addressToApi(project, r), requestId),
      update: (r, o, requestId) => replaceAddress(r, o.resource, requestId),
      delete: (o, requestId) => addresses.delete(o.resource.region, o.resource.name, requestId),
    },

    firewall: {
      async list(scope) {
        const networks = new Set(scope.networks);
        if (networks.size === 0) return [];
        return (await compute.firewalls.list(PEERLINK_NAME_FILTER))
          .filter((f) => peerlinkNamed(f.name))
          .map((f) => firewallFromApi(f))
          .filter((f) => networks.has(f.network))
          .map((f) => observed(f, ownedByPeerlink(f.name, f.description)));
      },
      create: (r, requestId) => compute.firewalls.insert(firewallToApi(project, r), requestId),
      update: (r, o, requestId) => updateFirewall(r, o.resource, requestId),
      delete: (o, requestId) => compute.firewalls.delete(o.resource.name, requestId),
    },

    healthCheck: {
      list: (scope) =>
        perRegion(
          scope,
          (region) => compute.healthChecks.list(region, PEERLINK_NAME_FILTER),
          (region, h) =>
            observed(healthCheckFromApi(region, h), ownedByPeerlink(h.name, h.description)),
        ),
      create: (r, requestId) =>
        compute.healthChecks.insert(r.region, healthCheckToApi(r), requestId),
      update: (r, _o, requestId) =>
        compute.healthChecks.patch(r.region, r.name, healthCheckToApi(r), requestId),
      delete: (o, requestId) =>
        compute.healthChecks.delete(o.resource.region, o.resource.name, requestId),
    },

    backendService: {
      list: (scope) =>
        perRegion(
          scope,
          (region) => compute.backendServices.list(region, PEERLINK_NAME_FILTER),
          (region, b) =>
            observed(
              backendServiceFromApi(region, b),
              ownedByPeerlink(b.name, b.description),
              b.fingerprint,
            ),
        ),
      create: (r, requestId) =>
        compute.backendServices.insert(r.region, backendServiceToApi(project, r), requestId),
      async update(r, o, requestId) {
        const fingerprint =
          o.version ?? (await compute.backendServices.get(r.region, r.name)).fingerprint ?? '';
        // A merge patch cannot carry an empty list (the client drops it), so taking the last
        // backend out (a pool or cluster GKE deletes) needs the full replacement.
        const before = o.resource.kind === 'backendService' ? o.resource.backends : [];
        const write =
          r.backends.length === 0 && before.length > 0
            ? compute.backendServices.update
            : compute.backendServices.patch;
        await write(r.region, r.name, backendServiceToApi(project, r), fingerprint, requestId);
      },
      delete: (o, requestId) =>
        compute.backendServices.delete(o.resource.region, o.resource.name, requestId),
    },

    forwardingRule: {
      // With the region's addresses: a rule names its reserved address only in the address's
      // `users`.
      async list(scope) {
        const lists = await Promise.all(
          scope.regions.map(async (region) => {
            const [rules, reserved] = await Promise.all([
              compute.forwardingRules.list(region, PEERLINK_NAME_FILTER),
              addresses.list(region, PEERLINK_NAME_FILTER),
            ]);
            return rules
              .filter((r) => peerlinkNamed(r.name))
              .map((r) =>
                observed(
                  forwardingRuleFromApi(region, r, reserved),
                  ownedByPeerlink(r.name, r.description),
                  r.fingerprint,
                ),
              );
          }),
        );
        return lists.flat();
      },
      create: (r, requestId) =>
        compute.forwardingRules.insert(r.region, forwardingRuleToApi(project, r), requestId),
      async update(r, o, requestId) {
        // The kind's own comparison: an IPAddress left to the reserved address is no change.
        const onlyGlobalAccess = forwardingRuleKind
          .changes(normalise(r), normalise(o.resource))
          .every((c) => c.field === 'allowGlobalAccess');
        // Only allowGlobalAccess can be patched on an internal forwarding rule
        // (https://cloud.google.com/compute/docs/reference/rest/v1/forwardingRules/patch);
        // anything else means a new rule.
        if (onlyGlobalAccess) {
          await compute.forwardingRules.patch(
            r.region,
            r.name,
            { allowGlobalAccess: r.allowGlobalAccess },
            requestId,
          );
          return;
        }
        await orNull(
          compute.forwardingRules.delete(r.region, r.name, stepRequestId(requestId, 'delete')),
        );
        await compute.forwardingRules.insert(
          r.region,
          forwardingRuleToApi(project, r),
          stepRequestId(requestId, 'insert'),
        );
      },
      delete: (o, requestId) =>
        compute.forwardingRules.delete(o.resource.region, o.resource.name, requestId),
    },

    network: {
      async read(ref) {
        const n = await orNull(compute.networks.get(ref.name));
        return n && observed(networkFromApi(n), hasOwnerMarker(n.description));
      },
      create: (r, requestId) => compute.networks.insert(networkToApi(r), requestId),
    },

    subnetwork: {
      async read(ref) {
        const s = await orNull(compute.subnetworks.get(ref.region, ref.name));
        return s && observed(subnetworkFromApi(s), hasOwnerMarker(s.description), s.fingerprint);
      },
      create: (r, requestId) =>
        compute.subnetworks.insert(r.region, subnetworkToApi(project, r), requestId),
    },

    peering: {
      async read(ref) {
        const n = await orNull(compute.networks.get(ref.network));
        const p = n?.peerings?.find((x) => x.name === ref.name);
        return p ? observed(peeringFromApi(ref.network, p), peerlinkNamed(p.name)) : null;
      },
      create: (r, requestId) =>
        compute.networks.addPeering(r.network, peeringToApi(project, r), requestId),
    },
  };
}
