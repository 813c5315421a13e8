/** Adapters of the GKE kinds bootstrap provisions: clusters and node pools (container.ts). */
import type { ClusterResource, NodePoolResource } from '../../core/model/resources.ts';
import { CLUSTER_LABEL, type Container, clusterFromApi, nodePoolFromApi } from '../container.ts';
import { type Adapters, observed } from './adapter.ts';

/** GKE's own default when a cluster is created without pools: one `default-pool` e2-medium node. */
const DEFAULT_POOL = (c: ClusterResource): NodePoolResource[] => [
  {
    kind: 'nodePool',
    name: 'default-pool',
    cluster: c.name,
    location: c.location,
    nodeCount: 1,
    machineType: 'e2-medium',
  },
];

export function containerAdapters(
  container: Container,
  initialNodePools: (cluster: ClusterResource) => readonly NodePoolResource[] = DEFAULT_POOL,
): Pick<Adapters, 'cluster' | 'nodePool'> {
  const labelled = (labels: Record<string, string> | null | undefined) =>
    labels?.[CLUSTER_LABEL.key] === CLUSTER_LABEL.value;
  return {
    cluster: {
      async read(ref) {
        const c = await container.getCluster(ref.location, ref.name);
        return c && observed(clusterFromApi(ref.location, c), labelled(c.resourceLabels));
      },
      // GKE needs at least one pool: a cluster is created with its first ones.
      create: (r) => container.createCluster(r, initialNodePools(r)),
    },
    nodePool: {
      async read(ref) {
        const [c, p] = await Promise.all([
          container.getCluster(ref.location, ref.cluster),
          container.getNodePool(ref.location, ref.cluster, ref.name),
        ]);
        return (
          p && observed(nodePoolFromApi(ref.location, ref.cluster, p), labelled(c?.resourceLabels))
        );
      },
      create: (r) => container.createNodePool(r),
    },
  };
}
