/** A GKE cluster (https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters). */
import { fieldChanges, GKE_SERVICE, type Kind, sortedUnique } from './kind.ts';

export interface ClusterResource {
  readonly kind: 'cluster';
  readonly name: string;
  readonly location: string;
  readonly network: string;
  readonly subnetwork: string;
  readonly mode: 'routes' | 'vpc-native';
  /**
   * Routes mode: CIDRs. VPC-native: secondary range names. A routes-based cluster's services
   * range is GKE's choice (Cluster.servicesIpv4Cidr is output only): desired `''` takes it.
   */
  readonly podRange: string;
  readonly serviceRange: string;
  readonly nodeLocations: readonly string[];
  /**
   * `networkConfig.datapathProvider`: `dataplane-v2` is ADVANCED_DATAPATH, `legacy`
   * LEGACY_DATAPATH. Desired only when the topology names it, so an absent one is never a
   * difference.
   */
  readonly datapath?: 'legacy' | 'dataplane-v2';
  /**
   * `autopilot.enabled`. Desired only when the topology says so; GKE then chooses the nodes' zones,
   * so `nodeLocations` is not compared.
   */
  readonly autopilot?: boolean;
}

export const clusterKind: Kind<ClusterResource, 'infra'> = {
  kind: 'cluster',
  lifecycle: 'infra',
  phase: 3,
  ownership: 'the resource label `managed-by: peerlink`',
  steps: ['clusters'],
  audit: {
    shape: 'cluster',
    label: 'cluster',
    methods: [
      {
        serviceName: GKE_SERVICE,
        method: 'ClusterManager.CreateCluster',
        affects: 'a cluster appears: its node ranges, tags and instance groups',
      },
      {
        serviceName: GKE_SERVICE,
        method: 'ClusterManager.DeleteCluster',
        affects: 'a cluster goes away: rules and backends that named it',
        // GKE cannot delete the groups while peerlink's backend service lists them.
        reconcileOnFirst: true,
        reconcileOnFailure: true,
      },
      {
        serviceName: GKE_SERVICE,
        method: 'ClusterManager.UpdateCluster',
        affects: 'node locations, hence instance groups, may change',
      },
      {
        serviceName: GKE_SERVICE,
        method: 'ClusterManager.SetLocations',
        affects: 'node locations, hence instance groups, change',
      },
    ],
  },
  key: (r) => `cluster/${r.location}/${r.name}`,
  normalise: (r) => ({ ...r, nodeLocations: r.autopilot ? [] : sortedUnique(r.nodeLocations) }),
  changes: (want, have) =>
    fieldChanges(
      want.serviceRange === '' ? { ...want, serviceRange: have.serviceRange } : want,
      have,
    ),
  dependencies: () => [],
};
