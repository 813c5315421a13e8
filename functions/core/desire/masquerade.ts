/**
 * Which destinations a consumer cluster's nodes must masquerade, and with which mechanism. Pods of
 * a routes-based cluster have addresses the peering does not know; the node masquerades only what
 * lies outside its non-masquerade ranges, so peer ranges inside them keep the pod source and are
 * dropped.
 */
import type { ClusterFacts, NetworkFacts } from '../model/facts.ts';
import { aggregate, intersect, subtract } from '../net/cidr.ts';
import { ownRanges } from '../topology/ranges.ts';
import type { Cluster, Topology } from '../topology/schema.ts';

/**
 * What a GKE node leaves unmasqueraded by default: RFC 1918 and the reserved ranges. kubenet's
 * `--non-masquerade-cidr` (10.0.0.0/8) went with Kubernetes 1.24; today the node's `IP-MASQ`
 * chain RETURNs these (and link-local) and masquerades the rest. Sources, which agree:
 * https://cloud.google.com/kubernetes-engine/docs/concepts/ip-masquerade-agent (default
 * non-masquerade destinations); kubernetes/kubernetes cluster/gce/gci/configure-helper.sh
 * (config-ip-firewall, NON_MASQUERADE_CIDR=0.0.0.0/0); kubernetes-sigs/ip-masq-agent
 * cmd/ip-masq-agent/ip-masq-agent.go (NewMasqConfig with --nomasq-all-reserved-ranges);
 * GoogleCloudPlatform/netd scripts/install-cni.sh (before 9b25f463 it wrote the same chain).
 */
export const GKE_NON_MASQUERADE_DEFAULTS = [
  '10.0.0.0/8', // RFC 1918
  '172.16.0.0/12', // RFC 1918
  '192.168.0.0/16', // RFC 1918
  '100.64.0.0/10', // RFC 6598
  '192.0.0.0/24', // RFC 6890
  '192.0.2.0/24', // RFC 5737
  '192.88.99.0/24', // RFC 7526
  '198.18.0.0/15', // RFC 6815
  '198.51.100.0/24', // RFC 5737
  '203.0.113.0/24', // RFC 5737
  '240.0.0.0/4', // RFC 5735, former class E
] as const;

/**
 * ip-masq-agent refuses a config with more `nonMasqueradeCIDRs` than `cidrLimit` (default 64,
 * link-local not counted) and keeps its previous one: MasqConfig.validate in
 * kubernetes-sigs/ip-masq-agent cmd/ip-masq-agent/ip-masq-agent.go. Dataplane V2 reads the same
 * ConfigMap, so peerlink stays within the default rather than raising `cidrLimit`.
 */
export const IP_MASQ_AGENT_CIDR_LIMIT = 64;

export type EffectiveMode = 'agent' | 'ip-masq-agent' | 'egress-nat-policy' | 'none';

/**
 * The mechanism: an explicit mode as the topology says; `auto` from what the cluster runs. Dataplane
 * V2 (the cluster's `datapathProvider`, else the topology's `datapath`) honours the ip-masq-agent
 * ConfigMap without a DaemonSet
 * (https://cloud.google.com/kubernetes-engine/docs/concepts/ip-masquerade-agent), as does GKE's
 * ip-masq-agent DaemonSet; otherwise peerlink's agent. A VPC-native cluster on the legacy datapath
 * gets none. Unknown facts fall back to peerlink's agent. Whether anything is masqueraded at all
 * is {@link needsMasquerade}'s question.
 */
export function effectiveMode(cluster: Cluster, facts: ClusterFacts | undefined): EffectiveMode {
  if (cluster.masquerade !== 'auto') return cluster.masquerade;
  // Autopilot takes an egress NAT policy, never the ConfigMap or a NET_ADMIN DaemonSet
  // (https://cloud.google.com/kubernetes-engine/docs/how-to/egress-nat-policy-ip-masq-autopilot).
  // GKE's autopilot.enabled wins over the topology's word.
  if (facts?.autopilot ?? cluster.autopilot) return 'egress-nat-policy';
  if ((facts?.datapath ?? cluster.datapath) === 'dataplane-v2') return 'ip-masq-agent';
  if (cluster.mode === 'vpc-native') return 'none';
  return facts?.runsIpMasqAgent ? 'ip-masq-agent' : 'agent';
}

/**
 * Whether the cluster's pods need masquerading to reach peers at all. A VPC-native cluster's pod
 * ranges are subnet secondary ranges, which the peering exchanges: it needs none unless the
 * topology asks for a mode explicitly.
 */
export function needsMasquerade(cluster: Cluster): boolean {
  return cluster.mode === 'routes' || cluster.masquerade !== 'auto';
}

/** The ranges the node leaves unmasqueraded today: the topology's override, else GKE's defaults. */
export function nonMasqueradeBase(cluster: Cluster): readonly string[] {
  return cluster.nonMasqueradeCidrs ?? GKE_NON_MASQUERADE_DEFAULTS;
}

/**
 * The aggregated CIDRs the cluster must masquerade: imported peer ranges inside its
 * non-masquerade ranges, minus its own node, pod and service ranges. Empty when it needs none.
 */
export function masqueradeCidrs(
  topology: Topology,
  cluster: Cluster,
  network: NetworkFacts | undefined,
  facts: ClusterFacts | undefined,
): string[] {
  const mode = effectiveMode(cluster, facts);
  if (!needsMasquerade(cluster) || mode === 'none' || !network) return [];
  const imported = aggregate(network.importedRanges);
  return subtract(
    intersect(imported, nonMasqueradeBase(cluster)),
    ownRanges(topology, cluster, facts?.serviceRange),
  );
}

/**
 * ip-masq-agent lists what NOT to masquerade, and its list replaces the defaults: the base
 * ranges minus the targets, aggregated, so that every reserved range GKE leaves alone stays so.
 */
export function ipMasqAgentNonMasquerade(cluster: Cluster, targets: readonly string[]): string[] {
  return subtract(nonMasqueradeBase(cluster), targets);
}

/** Why ip-masq-agent would refuse this list, or null when it fits within its `cidrLimit`. */
export function ipMasqAgentRefusal(nonMasquerade: readonly string[]): string | null {
  if (nonMasquerade.length <= IP_MASQ_AGENT_CIDR_LIMIT) return null;
  return (
    `nonMasqueradeCIDRs would hold ${nonMasquerade.length} CIDRs after aggregation, more than ` +
    `the ${IP_MASQ_AGENT_CIDR_LIMIT} ip-masq-agent accepts (cidrLimit): it would refuse the ` +
    'config and keep its previous one; not written (fewer, wider peer ranges would fit)'
  );
}
