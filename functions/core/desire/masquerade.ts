/**
 * Which destinations a consumer cluster's nodes must masquerade. Pods of a routes-based cluster
 * have addresses the peering does not know; the node masquerades only what lies outside its
 * non-masquerade ranges, so peer ranges inside them keep the pod source and are dropped.
 */
import type { ClusterFacts, NetworkFacts } from '../model/facts.ts';
import { aggregate, intersect, subtract } from '../net/cidr.ts';
import { ownRanges } from '../topology/ranges.ts';
import type { Cluster, Topology } from '../topology/schema.ts';

/** kubenet's rule: `! -d 10.0.0.0/8 -j MASQUERADE`. */
export const KUBENET_NON_MASQUERADE = ['10.0.0.0/8'] as const;

/** ip-masq-agent's default nonMasqueradeCIDRs (the RFC 1918 ranges). */
export const IP_MASQ_AGENT_DEFAULTS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] as const;

export type EffectiveMode = 'agent' | 'ip-masq-agent' | 'egress-nat-policy' | 'none';

/** Resolves `auto` from what the cluster runs; unknown facts fall back to peerlink's agent. */
export function effectiveMode(cluster: Cluster, facts: ClusterFacts | undefined): EffectiveMode {
  if (cluster.mode === 'vpc-native') return 'none';
  if (cluster.masquerade !== 'auto') return cluster.masquerade;
  return facts?.runsIpMasqAgent ? 'ip-masq-agent' : 'agent';
}

/** The ranges the node leaves unmasqueraded today, before peerlink changes anything. */
export function nonMasqueradeBase(cluster: Cluster, mode: EffectiveMode): readonly string[] {
  if (cluster.nonMasqueradeCidrs) return cluster.nonMasqueradeCidrs;
  return mode === 'ip-masq-agent' ? IP_MASQ_AGENT_DEFAULTS : KUBENET_NON_MASQUERADE;
}

/**
 * The aggregated CIDRs the cluster must masquerade: imported peer ranges inside its
 * non-masquerade ranges, minus its own node, pod and service ranges. Empty for VPC-native.
 */
export function masqueradeCidrs(
  topology: Topology,
  cluster: Cluster,
  network: NetworkFacts | undefined,
  facts: ClusterFacts | undefined,
): string[] {
  const mode = effectiveMode(cluster, facts);
  if (cluster.mode === 'vpc-native' || mode === 'none' || !network) return [];
  const imported = aggregate(network.importedRanges);
  return subtract(
    intersect(imported, nonMasqueradeBase(cluster, mode)),
    ownRanges(topology, cluster),
  );
}

/** ip-masq-agent lists what NOT to masquerade: the base ranges minus the targets. */
export function ipMasqAgentNonMasquerade(cluster: Cluster, targets: readonly string[]): string[] {
  return subtract(nonMasqueradeBase(cluster, 'ip-masq-agent'), targets);
}
