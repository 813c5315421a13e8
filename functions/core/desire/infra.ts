/** The infrastructure bootstrap provisions: networks, subnets, both sides of peerings, clusters. */
import {
  type ClusterResource,
  type InfraResource,
  NAME_PREFIX,
  type NodePoolResource,
  OWNER_MARKER,
  type PeeringResource,
} from '../model/resources.ts';
import type { Topology } from '../topology/schema.ts';

/** The name of `network`'s side of its peering with `peer`. */
export function peeringName(network: string, peer: string): string {
  return `${NAME_PREFIX}${network}-${peer}`.slice(0, 63).replace(/-+$/, '');
}

export function desiredPeerings(t: Topology): PeeringResource[] {
  return t.peerings.flatMap((p) => {
    const [a, b] = p.networks;
    const side = (network: string, peerNetwork: string): PeeringResource => ({
      kind: 'peering',
      name: peeringName(network, peerNetwork),
      network,
      peerNetwork,
      exportCustomRoutes: p.exportCustomRoutes,
      importCustomRoutes: p.importCustomRoutes,
    });
    return [side(a, b), side(b, a)];
  });
}

export function desiredClusters(t: Topology): ClusterResource[] {
  return t.clusters.map((c) => ({
    kind: 'cluster',
    name: c.name,
    location: c.location,
    network: c.network,
    subnetwork: c.subnet,
    mode: c.mode,
    podRange: c.mode === 'routes' ? c.podRange : c.podSecondaryRange,
    // Routes-based: GKE chooses the services range (output only); the cluster's facts have it.
    serviceRange: c.mode === 'routes' ? '' : c.serviceSecondaryRange,
    nodeLocations: c.nodeLocations,
    ...(c.datapath ? { datapath: c.datapath } : {}),
    ...(c.autopilot ? { autopilot: true } : {}),
  }));
}

export function desiredNodePools(t: Topology): NodePoolResource[] {
  return t.clusters.flatMap((c) =>
    c.nodePools.map((p) => ({
      kind: 'nodePool' as const,
      name: p.name,
      cluster: c.name,
      location: c.location,
      nodeCount: p.nodeCount,
      machineType: p.machineType,
    })),
  );
}

/** Everything bootstrap provisions before the managed resources, in provisioning order. */
export function desireInfra(t: Topology): InfraResource[] {
  const description = `peerlink: provisioned from the topology ${OWNER_MARKER}`;
  return [
    ...t.networks.map((n) => ({ kind: 'network' as const, name: n.name, description })),
    ...t.networks.flatMap((n) =>
      n.subnets.map((s) => ({
        kind: 'subnetwork' as const,
        name: s.name,
        network: n.name,
        region: s.region,
        range: s.range,
        secondaryRanges: s.secondaryRanges,
        description,
      })),
    ),
    ...desiredPeerings(t),
    ...desiredClusters(t),
    ...desiredNodePools(t),
  ];
}
