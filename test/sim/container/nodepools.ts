import type { SimRequest } from '../core/router.ts';
import type { JsonObject } from '../core/store.ts';
import { writeRejected } from './audit.ts';
import { ContainerError, invalidArgument, notFound } from './errors.ts';
import { refuseIfInUse } from './in-use.ts';
import { registerNodes, unregisterNodes } from './k8s-nodes.ts';
import {
  buildPoolNodes,
  CLUSTERS,
  type Cluster,
  type ClusterContext,
  getCluster,
  type NodePool,
  newPool,
  obj,
  p,
  poolAudit,
  poolNodeSpec,
  poolNodesSpec,
  poolZoneSize,
  poolZones,
  refreshDerived,
} from './model.ts';
import { clusterKey, nodePoolResourceName } from './names.ts';
import { deletePoolNodes, resizePoolNodes, zoneOf } from './nodes.ts';
import type { ContainerOperation } from './operations.ts';

/** CreateNodePool: CREATE_NODE_POOL operation; instance groups are made when it is DONE. */
export function createNodePool(ctx: ClusterContext, req: SimRequest): ContainerOperation {
  const { sim } = ctx;
  const project = p(req, 'project');
  const location = p(req, 'location');
  const clusterName = p(req, 'cluster');
  const request = obj(req.body);
  const body = obj(request.nodePool);
  const poolName = String(body.name ?? '');
  const cluster = getCluster(sim, project, location, clusterName);
  const key = clusterKey(project, location, clusterName);
  const zones = poolZones(cluster, location, body);
  const audit = poolAudit(
    req,
    project,
    location,
    clusterName,
    poolName,
    'CreateNodePool',
    { ...request, parent: `projects/${project}/locations/${location}/clusters/${clusterName}` },
    zones,
  );
  if (cluster.nodePools.some((np) => np.name === poolName)) {
    throw new ContainerError(
      409,
      'ALREADY_EXISTS',
      `Already exists: ${nodePoolResourceName(project, location, clusterName, poolName)}.`,
    );
  }
  let pool: NodePool;
  try {
    pool = newPool(
      project,
      location,
      clusterName,
      body,
      zones,
      obj(cluster.ipAllocationPolicy).useIpAliases === true,
    );
  } catch (e) {
    if (e instanceof ContainerError)
      writeRejected(sim, audit, { code: e.rpcCode, message: e.message });
    throw e;
  }
  return ctx.ops.start({
    project,
    location,
    operationType: 'CREATE_NODE_POOL',
    target: `clusters/${clusterName}/nodePools/${poolName}`,
    clusterKey: key,
    audit,
    begin: () => {
      cluster.nodePools.push(pool);
    },
    apply: () => {
      const c = sim.store.get<Cluster>(CLUSTERS, key);
      const np = c?.nodePools.find((x) => x.name === poolName);
      if (!c || !np) return;
      buildPoolNodes(sim, project, c, np, { kube: ctx.apis.get(key)?.store });
      refreshDerived(c, sim);
    },
  });
}

/** A pool of a stored cluster, or 404 NOT_FOUND. */
function getPool(cluster: Cluster, project: string, location: string, name: string): NodePool {
  const pool = cluster.nodePools.find((np) => np.name === name);
  if (!pool) throw notFound(nodePoolResourceName(project, location, cluster.name, name));
  return pool;
}

/** An existing pool a request names, with its cluster and the cluster's store key. */
interface PoolTarget {
  readonly project: string;
  readonly location: string;
  readonly clusterName: string;
  readonly poolName: string;
  readonly pool: NodePool;
  readonly key: string;
}

/** The pool the request's path names; notFound when it or its cluster does not exist. */
function poolOf(ctx: ClusterContext, req: SimRequest): PoolTarget {
  const project = p(req, 'project');
  const location = p(req, 'location');
  const clusterName = p(req, 'cluster');
  const poolName = p(req, 'nodePool');
  const cluster = getCluster(ctx.sim, project, location, clusterName);
  const pool = getPool(cluster, project, location, poolName);
  const key = clusterKey(project, location, clusterName);
  return { project, location, clusterName, poolName, pool, key };
}

/** What one mutation of an existing pool does beyond what they all share. */
interface PoolMutation {
  /** The audit-logged method (`DeleteNodePool`, ...). */
  readonly method: string;
  /** Operation.Type in google/container/v1/cluster_service.proto. */
  readonly operationType: string;
  /** The request as the audit entry records it; `name` becomes the pool's path. */
  readonly request: JsonObject;
  /** The zones the audit entry names; the pool's own by default. */
  readonly locations?: string[];
  /** The pool's status while the operation runs; unchanged when absent. */
  readonly running?: string;
  /** Its nodes are drained before the effect (see ContainerOpSpec.drains). */
  readonly drains?: boolean;
  /** The change, on the stored cluster and pool, when the operation is done; `was` is the
   * status the pool had before the operation began. */
  readonly apply: (cluster: Cluster, pool: NodePool, was: NodePool['status']) => void;
}

/** Audits and starts a mutation of an existing pool; its effect finds the pool again when done. */
function startPoolMutation(
  ctx: ClusterContext,
  req: SimRequest,
  t: PoolTarget,
  m: PoolMutation,
): ContainerOperation {
  const { project, location, clusterName, poolName, pool, key } = t;
  const audit = poolAudit(
    req,
    project,
    location,
    clusterName,
    poolName,
    m.method,
    {
      ...m.request,
      name: `projects/${project}/locations/${location}/clusters/${clusterName}/nodePools/${poolName}`,
    },
    m.locations ?? (pool.locations as string[]),
  );
  const was = pool.status;
  const running = m.running;
  return ctx.ops.start({
    project,
    location,
    operationType: m.operationType,
    target: `clusters/${clusterName}/nodePools/${poolName}`,
    clusterKey: key,
    audit,
    ...(m.drains ? { drains: true } : {}),
    ...(running === undefined
      ? {}
      : {
          begin: () => {
            pool.status = running;
          },
        }),
    apply: () => {
      const c = ctx.sim.store.get<Cluster>(CLUSTERS, key);
      const np = c?.nodePools.find((x) => x.name === poolName);
      if (c && np) m.apply(c, np, was);
    },
  });
}

/**
 * DeleteNodePool: DELETE_NODE_POOL operation. The pool is STOPPING at once; GKE drains its nodes
 * ("When you delete a node pool, GKE drains all the nodes in the node pool",
 * https://cloud.google.com/sdk/gcloud/reference/container/node-pools/delete; the module's
 * `drainMs`), then deletes the groups and node routes when the operation is DONE. A group that is
 * a backend of a backend service at that moment cannot be deleted, so the operation ends in error
 * and the pool stays as it was (see in-use.ts).
 */
export function deleteNodePool(ctx: ClusterContext, req: SimRequest): ContainerOperation {
  const { sim } = ctx;
  const target = poolOf(ctx, req);
  return startPoolMutation(ctx, req, target, {
    method: 'DeleteNodePool',
    operationType: 'DELETE_NODE_POOL',
    request: {},
    running: 'STOPPING',
    drains: true,
    apply: (c, np, was) => {
      try {
        refuseIfInUse(sim, target.project, np.instanceGroupUrls);
      } catch (e) {
        np.status = was;
        throw e;
      }
      unregisterNodes(
        ctx.apis.get(target.key)?.store,
        deletePoolNodes(sim, target.project, np.instanceGroupUrls),
      );
      c.nodePools = c.nodePools.filter((x) => x !== np);
      refreshDerived(c, sim);
    },
  });
}

/**
 * Moves a pool to `wanted` zones: a group (with nodes, at the pool's size per zone) is added in
 * each new zone and the groups of dropped zones are removed
 * (https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters.nodePools#NodePool.FIELDS.locations:
 * "changing node pool locations will result in nodes being added and/or removed").
 */
export function movePool(
  ctx: ClusterContext,
  project: string,
  key: string,
  cluster: Cluster,
  pool: NodePool,
  wanted: string[],
): void {
  const { sim } = ctx;
  const kube = ctx.apis.get(key)?.store;
  const before = pool.locations as string[];
  const perZone = poolZoneSize(sim, project, pool);
  const dropped = pool.instanceGroupUrls.filter((u) => !wanted.includes(zoneOf(u)));
  unregisterNodes(kube, deletePoolNodes(sim, project, dropped));
  pool.instanceGroupUrls = pool.instanceGroupUrls.filter((u) => !dropped.includes(u));
  pool.locations = wanted;
  buildPoolNodes(sim, project, cluster, pool, {
    zones: wanted.filter((z) => !before.includes(z)),
    kube,
    perZone,
  });
}

/**
 * UpdateNodePool: a change of `locations` moves the pool (movePool); version and image type
 * are recorded. Operation type UPGRADE_NODES: "Despite calling this an 'upgrade', this includes
 * most forms of updates to node pools" (Operation.Type in google/container/v1/cluster_service.proto).
 * https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters.nodePools/update
 */
export function updateNodePool(ctx: ClusterContext, req: SimRequest): ContainerOperation {
  const { sim } = ctx;
  const request = obj(req.body);
  const target = poolOf(ctx, req);
  const wanted =
    Array.isArray(request.locations) && request.locations.length > 0
      ? request.locations.map(String)
      : (target.pool.locations as string[]);
  return startPoolMutation(ctx, req, target, {
    method: 'UpdateNodePool',
    operationType: 'UPGRADE_NODES',
    request,
    locations: wanted,
    running: 'RECONCILING',
    apply: (c, np) => {
      movePool(ctx, target.project, target.key, c, np, wanted);
      if (
        typeof request.nodeVersion === 'string' &&
        request.nodeVersion !== '' &&
        request.nodeVersion !== '-'
      ) {
        np.version = request.nodeVersion;
      }
      if (typeof request.imageType === 'string' && request.imageType !== '') {
        np.config = { ...obj(np.config), imageType: request.imageType };
      }
      np.status = 'RUNNING';
      refreshDerived(c, sim);
    },
  });
}

/**
 * SetNodePoolSize: every zone of the pool gets `nodeCount` nodes ("The desired node count for
 * the pool", per zone as gcloud's `clusters resize` says: "the new size represents the number of
 * nodes in the node pool per zone"). Operation SET_NODE_POOL_SIZE; the pool is RECONCILING
 * meanwhile; `initialNodeCount` keeps its created value.
 * https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters.nodePools/setSize
 */
export function setNodePoolSize(ctx: ClusterContext, req: SimRequest): ContainerOperation {
  const { sim } = ctx;
  const request = obj(req.body);
  const target = poolOf(ctx, req);
  const size = request.nodeCount;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0)
    throw invalidArgument(
      `Invalid value for field "node_count": ${JSON.stringify(size ?? null)}. Must be a non-negative integer.`,
    );
  return startPoolMutation(ctx, req, target, {
    method: 'SetNodePoolSize',
    operationType: 'SET_NODE_POOL_SIZE',
    request,
    running: 'RECONCILING',
    apply: (c, np, was) => {
      const kube = ctx.apis.get(target.key)?.store;
      const { added, removed } = resizePoolNodes(
        sim,
        poolNodesSpec(target.project, c, np, np.locations as string[], size),
        np.instanceGroupUrls,
        size,
      );
      unregisterNodes(kube, removed);
      registerNodes(kube, poolNodeSpec(target.project, c, np), added);
      np.status = was === 'RECONCILING' ? 'RUNNING' : was;
      refreshDerived(c, sim);
    },
  });
}

/**
 * Checks a NodePoolAutoscaling and returns it in its JSON form without default values.
 * "min_node_count: ... Must be greater than or equal to 0 and less than or equal to
 * max_node_count"; "The total_*_node_count fields are mutually exclusive with the
 * *_node_count fields" (NodePoolAutoscaling, google/container/v1/cluster_service.proto).
 */
export function checkAutoscaling(value: unknown, field: string): JsonObject {
  const a = obj(value);
  const num = (k: string): number => {
    const v = a[k];
    if (v === undefined || v === null) return 0;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
      throw invalidArgument(`Invalid value for field "${field}.${k}": ${JSON.stringify(v)}.`);
    return v;
  };
  const min = num('minNodeCount');
  const max = num('maxNodeCount');
  const totalMin = num('totalMinNodeCount');
  const totalMax = num('totalMaxNodeCount');
  if (min > max)
    throw invalidArgument(
      `Invalid value for field "${field}.min_node_count": ${min}. Must be less than or equal to max_node_count (${max}).`,
    );
  if (totalMin > totalMax)
    throw invalidArgument(
      `Invalid value for field "${field}.total_min_node_count": ${totalMin}. Must be less than or equal to total_max_node_count (${totalMax}).`,
    );
  if ((min > 0 || max > 0) && (totalMin > 0 || totalMax > 0))
    throw invalidArgument(
      `Invalid value for field "${field}": the total_*_node_count fields are mutually exclusive with the *_node_count fields.`,
    );
  const out: JsonObject = {};
  if (a.enabled === true) out.enabled = true;
  if (min > 0) out.minNodeCount = min;
  if (max > 0) out.maxNodeCount = max;
  if (a.autoprovisioned === true) out.autoprovisioned = true;
  if (typeof a.locationPolicy === 'string' && a.locationPolicy !== 'LOCATION_POLICY_UNSPECIFIED')
    out.locationPolicy = a.locationPolicy;
  if (totalMin > 0) out.totalMinNodeCount = totalMin;
  if (totalMax > 0) out.totalMaxNodeCount = totalMax;
  return out;
}

/**
 * SetNodePoolAutoscaling: records the pool's autoscaler settings (the cluster autoscaler itself
 * is not simulated: sizes change only by setSize and locations). Operation UPDATE_CLUSTER, the
 * type GKE uses for metadata-only changes (Operation.Type in cluster_service.proto).
 * https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters.nodePools/setAutoscaling
 */
export function setNodePoolAutoscaling(ctx: ClusterContext, req: SimRequest): ContainerOperation {
  const request = obj(req.body);
  const target = poolOf(ctx, req);
  const autoscaling = checkAutoscaling(request.autoscaling, 'autoscaling');
  return startPoolMutation(ctx, req, target, {
    method: 'SetNodePoolAutoscaling',
    operationType: 'UPDATE_CLUSTER',
    request,
    apply: (_c, np) => {
      np.autoscaling = autoscaling;
    },
  });
}
