/**
 * A cluster's instance groups as Compute and GKE tell them: node pools' managers resolved to
 * their groups, deletes GKE is running, and the load-balanced groups GKE's own load balancers
 * made over the same nodes. Read by the FactsPort (facts.ts).
 */
import { orNull } from '../core/errors.ts';
import type { Compute } from './compute.ts';
import type { ApiOperation } from './container.ts';
import { instanceGroupParts, instanceGroupPath } from './convert.ts';

const IGM_URL = /projects\/([^/]+)\/zones\/([^/]+)\/instanceGroupManagers\/([^/?]+)/;

/**
 * The instance groups of a node pool's `instanceGroupUrls`, which name instance group managers:
 * each manager's `instanceGroup` (instanceGroupManagers.get), as terraform-provider-google reads
 * them (google/resource_container_cluster.go, getInstanceGroupUrlsFromManagerUrls), and a
 * manager that is gone (404: "The IGM URL is stale") left out rather than sent as a backend.
 * A URL that names a group already is kept as it is.
 */
export async function resolveManagers(
  compute: Compute,
  urls: readonly string[],
): Promise<string[]> {
  const groups = await Promise.all(
    urls.map(async (url) => {
      const m = IGM_URL.exec(url);
      if (!m) return instanceGroupPath(url);
      const [, project, zone, name] = m;
      // https://cloud.google.com/compute/docs/reference/rest/v1/instanceGroupManagers/get
      const igm = await orNull(
        compute.read(`instanceGroupManagers.get ${zone}/${name}`, async () => {
          const [r] = await (await compute.clients('instanceGroupManagers')).get({
            project: project ?? compute.project,
            zone: zone ?? '',
            instanceGroupManager: name ?? '',
          });
          return r;
        }),
      );
      return igm?.instanceGroup ? instanceGroupPath(igm.instanceGroup) : undefined;
    }),
  );
  return [...new Set(groups.filter((g): g is string => g !== undefined))].sort();
}

/** BlueGreenInfo.Phase (google/container/v1/cluster_service.proto), by name or number. */
const BLUE_LEAVING = new Set<unknown>([
  'DRAINING_BLUE_POOL',
  'NODE_POOL_SOAKING',
  'DELETING_BLUE_POOL',
  4,
  5,
  6,
]);
const GREEN_LEAVING = new Set<unknown>(['ROLLBACK_STARTED', 7]);

/**
 * The managers a running blue-green upgrade is about to delete, from
 * `NodePool.updateInfo.blueGreenInfo`: the blue pool's once it drains (GKE deletes them after
 * the soak), the green pool's once a rollback starts. "During the node pool blue-green upgrade
 * operation, the URLs contain both blue and green resources" (NodePool.instanceGroupUrls), and
 * a group still a backend would fail the deletion as a node-pool delete does.
 */
export function blueGreenLeaving(
  info:
    | {
        readonly phase?: unknown;
        readonly blueInstanceGroupUrls?: readonly string[] | null;
        readonly greenInstanceGroupUrls?: readonly string[] | null;
      }
    | null
    | undefined,
): string[] {
  if (BLUE_LEAVING.has(info?.phase)) return [...(info?.blueInstanceGroupUrls ?? [])];
  if (GREEN_LEAVING.has(info?.phase)) return [...(info?.greenInstanceGroupUrls ?? [])];
  return [];
}

/** Operation.Status and Operation.Type as the REST form or the enum's number gives them. */
const RUNNING_OPS = new Set<unknown>(['PENDING', 'RUNNING', 'ABORTING', 1, 2, 4]);
const DELETE_CLUSTER = new Set<unknown>(['DELETE_CLUSTER', 2]);
const DELETE_NODE_POOL = new Set<unknown>(['DELETE_NODE_POOL', 8]);

/**
 * The deletes GKE runs on a cluster, from its location's operations: whether DELETE_CLUSTER
 * runs, and the pools DELETE_NODE_POOL runs on (google/container/v1/cluster_service.proto,
 * Operation.Type and Status; `targetLink` names the cluster or the pool).
 */
export function runningDeletes(
  operations: readonly ApiOperation[],
  cluster: string,
): { cluster: boolean; pools: ReadonlySet<string> } {
  const pools = new Set<string>();
  let clusterDeleting = false;
  for (const op of operations) {
    if (!RUNNING_OPS.has(op.status)) continue;
    const target = /\/clusters\/([^/]+)(?:\/nodePools\/([^/]+))?$/.exec(op.targetLink ?? '');
    if (target?.[1] !== cluster) continue;
    if (DELETE_CLUSTER.has(op.operationType)) clusterDeleting = true;
    if (DELETE_NODE_POOL.has(op.operationType) && target[2]) pools.add(target[2]);
  }
  return { cluster: clusterDeleting, pools };
}

/**
 * GKE's own load balancers (an internal LoadBalancer Service, an Ingress) balance to unmanaged
 * groups named `k8s-ig--<cluster id>` in each zone of the nodes (kubernetes/cloud-provider-gcp,
 * providers/gce/gce_loadbalancer_naming.go). Those in the zones of `groups` that hold one of
 * their instances: "an instance can belong to only one load-balanced instance group"
 * (https://cloud.google.com/load-balancing/docs/backend-service#restrictions_and_guidance).
 */
export async function gkeLoadBalancedGroups(
  compute: Compute,
  groups: readonly string[],
): Promise<string[]> {
  const zones = [...new Set(groups.map((g) => instanceGroupParts(g).zone))].sort();
  const found = await Promise.all(
    zones.map(async (zone) => {
      // https://cloud.google.com/compute/docs/reference/rest/v1/instanceGroups/list (filter, RE2)
      const k8s = await compute.read(`instanceGroups.list ${zone}`, async () => {
        const [items] = await (await compute.clients('instanceGroups')).list({
          project: compute.project,
          zone,
          filter: 'name eq k8s-ig--.*',
        });
        return items;
      });
      if (k8s.length === 0) return [];
      const members = async (group: string): Promise<string[]> => {
        const { name } = instanceGroupParts(group);
        return (await orNull(compute.instanceGroups.listInstances(zone, name))) ?? [];
      };
      const nodes = new Set(
        (
          await Promise.all(groups.filter((g) => instanceGroupParts(g).zone === zone).map(members))
        ).flat(),
      );
      const held = await Promise.all(
        k8s.map(async (ig) => {
          const path = instanceGroupPath(
            ig.selfLink ?? `projects/${compute.project}/zones/${zone}/instanceGroups/${ig.name}`,
          );
          const inside = await members(path);
          return inside.some((i) => nodes.has(i)) ? [path] : [];
        }),
      );
      return held.flat();
    }),
  );
  return found.flat().sort();
}
