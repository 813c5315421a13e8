import { resolve } from 'node:path';
import type { Sim } from '../core/sim.ts';
import type { SimModule } from '../server.ts';
import { autopilotKinds } from './autopilot.ts';
import { CLUSTERS, type Cluster, clusterRoutes } from './clusters.ts';
import { ClusterApis } from './kube.ts';
import { ContainerOperations } from './operations.ts';

/** Options of the GKE part. */
export interface ContainerModuleOptions {
  /** Where each cluster's kubeconfig is written. Default `.peerlink/kube` (under the cwd). */
  kubeconfigDir?: string;
  /**
   * Duration of GKE operations (ms): a cluster stays PROVISIONING, a node pool has no instance
   * groups, until its operation is DONE. Default: the simulator's `operationMs`.
   */
  operationMs?: number;
  /**
   * How long GKE drains a node pool's nodes before it deletes their instance groups, on
   * DeleteNodePool and DeleteCluster (ms, added to the operation's time). "When you delete a node
   * pool, GKE drains all the nodes in the node pool", each with up to an hour of graceful
   * termination (https://cloud.google.com/sdk/gcloud/reference/container/node-pools/delete,
   * https://cloud.google.com/kubernetes-engine/docs/concepts/node-pools#drain). Default 0.
   */
  drainMs?: number;
}

/**
 * The GKE (Container v1) part: cluster and node-pool routes, GKE operations and audit entries,
 * and one simulated Kubernetes API per cluster (see test/sim/kube). Snapshot part `kube` holds
 * the clusters' Kubernetes objects; on load each cluster gets a fresh API server (new port and
 * CA, so endpoint and clusterCaCertificate are updated).
 */
export function containerModule(options: ContainerModuleOptions = {}): SimModule {
  return (sim: Sim) => {
    const ops = new ContainerOperations(
      sim,
      options.operationMs ?? sim.options.operationMs,
      options.drainMs ?? 0,
    );
    const apis = new ClusterApis(resolve(options.kubeconfigDir ?? '.peerlink/kube'));
    sim.router.addAll(clusterRoutes({ sim, ops, apis }));
    sim.info.kubeconfigs = {};
    const restart = async (saved: Record<string, unknown>): Promise<void> => {
      await apis.stopAll();
      for (const [key, cluster] of sim.store.entries<Cluster>(CLUSTERS)) {
        const objects = saved[key];
        const kube = await apis.start(key, {
          contextName: `gke_${key.split('/')[1]}_${String(cluster.location)}_${cluster.name}`,
          servicesCidr: String(cluster.servicesIpv4Cidr),
          nodeCount: Number(cluster.currentNodeCount ?? 0),
          ...autopilotKinds(sim, cluster),
          ...(Array.isArray(objects) ? { objects } : {}),
        });
        cluster.endpoint = kube.endpoint;
        cluster.masterAuth = { clusterCaCertificate: kube.caBase64 };
      }
      sim.info.kubeconfigs = apis.kubeconfigs();
    };
    sim.addSnapshotPart('kube', {
      // GKE operations are finished first, as Compute's are before a snapshot.
      save: () => {
        ops.finishAll();
        return apis.save();
      },
      load: async (data) => {
        ops.cancelAll();
        await restart(
          typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {},
        );
      },
      reset: async () => {
        ops.cancelAll();
        await apis.stopAll();
        sim.info.kubeconfigs = {};
      },
    });
    sim.onClose(async () => {
      ops.cancelAll();
      await apis.stopAll();
    });
  };
}

/** The GKE part with default options, as `npm run sim` loads it (test/sim/main.ts). */
export const simModule: SimModule = containerModule();

export { CLUSTERS, type Cluster, type NodePool } from './clusters.ts';
