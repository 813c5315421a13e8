/**
 * egress-nat-policy mode, for Autopilot consumers. Autopilot configures masquerading with the
 * `default` EgressNATPolicy: pods keep their source address towards its NoSNAT destinations and
 * are masqueraded to the node everywhere else
 * (https://cloud.google.com/kubernetes-engine/docs/how-to/egress-nat-policy-ip-masq-autopilot).
 * A destination is masqueraded by taking it out of the policy: each destination that covers one
 * is replaced by what remains of it. peerlink records what it removed and added, so that it can
 * put the policy back as it found it, and leaves every other destination as it is.
 */
import { DEFAULT_EGRESS_NAT_POLICY } from '../manifests/egress-nat-policy.ts';
import type { EgressNatPolicyEdit, EgressNatPolicyFacts } from '../model/egress-nat-policy.ts';
import type { ClusterFacts, NetworkFacts } from '../model/facts.ts';
import { aggregate, cidrProblem, intersect, overlaps, subtract } from '../net/cidr.ts';
import { ownRanges } from '../topology/ranges.ts';
import type { Cluster, Topology } from '../topology/schema.ts';

/**
 * The ranges VPC peering exchanges whatever the peering says: the internal ranges a subnet may
 * use (https://cloud.google.com/vpc/docs/subnets#valid-ranges). A privately used public range
 * crosses a peering only when the importing side sets importSubnetRoutesWithPublicIp, which is
 * false unless set (https://cloud.google.com/compute/docs/reference/rest/v1/networks, NetworkPeering),
 * and peerlink's peerings never set it.
 */
export const PEERING_EXCHANGED = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.88.99.0/24',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '240.0.0.0/4',
] as const;

/** The cluster's pod range, from its subnet's secondary range. */
export function podRangeOf(t: Topology, c: Cluster): string | undefined {
  if (c.mode === 'routes') return c.podRange;
  const subnet = t.networks
    .find((n) => n.name === c.network)
    ?.subnets.find((s) => s.name === c.subnet);
  return subnet?.secondaryRanges.find((r) => r.name === c.podSecondaryRange)?.range;
}

/**
 * Whether peers can answer the cluster's pods at their own addresses: Autopilot is VPC-native,
 * so its pod range is a subnet range, which peers import when it is one VPC peering exchanges.
 */
export function podsRoutable(t: Topology, c: Cluster): boolean {
  const pods = podRangeOf(t, c);
  return pods !== undefined && subtract([pods], PEERING_EXCHANGED).length === 0;
}

const isCidr = (d: string): boolean => cidrProblem(d) === null;

/** The policy's destinations as peerlink found them: its own additions out, its removals back. */
export function originalDestinations(policy: EgressNatPolicyFacts): string[] {
  const added = new Set(policy.added);
  const out = policy.destinations.filter((d) => !added.has(d));
  for (const d of policy.removed) if (!out.includes(d)) out.push(d);
  return [...new Set(out)];
}

/**
 * What the cluster's pods must reach masqueraded: the ranges its network imports over peerings
 * that lie inside the policy's (original) NoSNAT destinations, minus the cluster's own ranges.
 * In `auto` mode only when peers cannot answer the pods (`podsRoutable`); `egress-nat-policy`
 * named in the topology masquerades them whatever the pod range.
 */
export function egressNatTargets(
  t: Topology,
  c: Cluster,
  network: NetworkFacts | undefined,
  original: readonly string[],
): string[] {
  if (!network || (c.masquerade !== 'egress-nat-policy' && podsRoutable(t, c))) return [];
  const nosnat = original.filter(isCidr);
  return subtract(intersect(aggregate(network.importedRanges), nosnat), ownRanges(t, c));
}

/** The edit, and the destinations it leaves as they are (peerlink did not add them). */
export interface EgressNatChange {
  readonly edit: EgressNatPolicyEdit;
  readonly left: readonly string[];
}

/**
 * The `default` policy with `targets` masqueraded: every original destination that covers part
 * of a target is removed and what remains of it added, except what the policy already holds; the
 * others are left. With no targets this is the policy as peerlink found it, with an empty ledger.
 * A destination that is not an IPv4 CIDR is left as it is.
 */
export function editPolicy(
  cluster: string,
  policy: EgressNatPolicyFacts,
  targets: readonly string[],
): EgressNatChange {
  const original = originalDestinations(policy);
  const covers = (d: string) => isCidr(d) && overlaps([d], targets);
  const removed = original.filter(covers);
  const left = original.filter((d) => !covers(d));
  const added = aggregate(removed.flatMap((d) => subtract([d], targets))).filter(
    (d) => !left.includes(d),
  );
  return {
    edit: {
      kind: 'egressNatPolicy',
      cluster,
      name: DEFAULT_EGRESS_NAT_POLICY,
      destinations: [...left, ...added],
      removed,
      added,
    },
    left,
  };
}

/** What egress-nat-policy mode wants for one consumer. */
export interface EgressNatDesire {
  /** Destinations masqueraded: the masquerade CIDRs of the report. */
  readonly targets: readonly string[];
  /**
   * The policy with the edit in place, when there is something to change: peerlink's share of
   * the policy exists exactly while its ledger is not empty (a sweep undoes one no longer wanted).
   */
  readonly edit?: EgressNatPolicyEdit;
  /** Destinations of the policy peerlink leaves as they are; absent when it was not read. */
  readonly left?: readonly string[];
  /** Why there is no edit yet, for the report. */
  readonly pending?: string;
}

/**
 * The edit of the cluster's `default` policy: `targets` masqueraded in egress-nat-policy mode,
 * nothing in `none` (no edit, so that a change peerlink made is undone).
 */
export function egressNatDesire(
  t: Topology,
  c: Cluster,
  network: NetworkFacts | undefined,
  facts: ClusterFacts,
  mode: 'egress-nat-policy' | 'none',
): EgressNatDesire {
  const policy = facts.egressNatPolicy;
  if (policy === undefined)
    return {
      targets: [],
      pending: `cluster ${c.name}: its ${DEFAULT_EGRESS_NAT_POLICY} EgressNATPolicy cannot be read yet`,
    };
  if (policy === null)
    return {
      targets: [],
      pending: `cluster ${c.name} has no ${DEFAULT_EGRESS_NAT_POLICY} EgressNATPolicy; peerlink does not create it`,
    };
  const targets =
    mode === 'none' ? [] : egressNatTargets(t, c, network, originalDestinations(policy));
  const { edit, left } = editPolicy(c.name, policy, targets);
  const changed = edit.removed.length > 0 || edit.added.length > 0;
  return { targets, left, ...(changed ? { edit } : {}) };
}
