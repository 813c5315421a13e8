/** A GKE node pool (https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters.nodePools). */
import { fieldChanges, GKE_SERVICE, type Kind } from './kind.ts';

export interface NodePoolResource {
  readonly kind: 'nodePool';
  readonly name: string;
  readonly cluster: string;
  readonly location: string;
  readonly nodeCount: number;
  readonly machineType: string;
}

export const nodePoolKind: Kind<NodePoolResource, 'infra'> = {
  kind: 'nodePool',
  lifecycle: 'infra',
  phase: 4,
  ownership: "its cluster's resource label `managed-by: peerlink`",
  steps: ['node pools'],
  audit: {
    shape: 'cluster',
    label: 'node pool',
    methods: [
      {
        serviceName: GKE_SERVICE,
        method: 'ClusterManager.CreateNodePool',
        affects: 'new instance groups for the backend service',
      },
      {
        serviceName: GKE_SERVICE,
        method: 'ClusterManager.DeleteNodePool',
        affects: 'instance groups leave the backend service',
        // GKE cannot delete the groups while peerlink's backend service lists them.
        reconcileOnFirst: true,
        reconcileOnFailure: true,
      },
      {
        serviceName: GKE_SERVICE,
        method: 'ClusterManager.UpdateNodePool',
        affects: 'node locations, hence instance groups, may change',
      },
      {
        serviceName: GKE_SERVICE,
        method: 'ClusterManager.SetNodePoolSize',
        affects: 'nodes behind the instance groups come and go',
      },
      {
        serviceName: GKE_SERVICE,
        method: 'ClusterManager.RollbackNodePoolUpgrade',
        affects: 'a blue-green upgrade rolls back: the green instance groups go',
        // The groups it deletes must leave the backend service first, as for a delete.
        reconcileOnFirst: true,
      },
      {
        serviceName: GKE_SERVICE,
        method: 'ClusterManager.CompleteNodePoolUpgrade',
        affects: 'a blue-green upgrade completes: the blue instance groups go',
        reconcileOnFirst: true,
      },
    ],
  },
  key: (r) => `nodePool/${r.location}/${r.cluster}/${r.name}`,
  normalise: (r) => ({ ...r }),
  changes: fieldChanges,
  dependencies: () => [],
};
