/** Derived facts about topology items: regions, and the address ranges each one occupies. */
import type { Cluster, Network, Topology } from './schema.ts';

/** `europe-west1-b` -> `europe-west1`; a region maps to itself. */
export function regionOf(location: string): string {
  return location.replace(/^([a-z]+-[a-z]+\d+)-[a-z]$/, '$1');
}

export interface NamedRange {
  readonly path: string;
  readonly range: string;
}

export function subnetRanges(network: Network): NamedRange[] {
  return network.subnets.flatMap((s, j) => [
    { path: `subnets[${j}].range`, range: s.range },
    ...s.secondaryRanges.map((r, k) => ({
      path: `subnets[${j}].secondaryRanges[${k}].range`,
      range: r.range,
    })),
  ]);
}

/** Ranges a routes-based cluster adds to its network (VPC-native ones live in the subnet). */
export function clusterRanges(cluster: Cluster): NamedRange[] {
  return cluster.mode === 'routes'
    ? [
        { path: 'podRange', range: cluster.podRange },
        { path: 'serviceRange', range: cluster.serviceRange },
      ]
    : [];
}

/** The node, pod and service ranges of a cluster, as the topology declares them. */
export function ownRanges(topology: Topology, cluster: Cluster): string[] {
  const subnet = topology.networks
    .find((n) => n.name === cluster.network)
    ?.subnets.find((s) => s.name === cluster.subnet);
  if (!subnet) return [];
  if (cluster.mode === 'routes') return [subnet.range, cluster.podRange, cluster.serviceRange];
  const secondary = (name: string) => subnet.secondaryRanges.find((r) => r.name === name)?.range;
  return [
    subnet.range,
    secondary(cluster.podSecondaryRange),
    secondary(cluster.serviceSecondaryRange),
  ].filter((r): r is string => r !== undefined);
}
