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

/**
 * DeleteNodePool: DELETE_NODE_POOL operation; groups and node routes go when it is DONE. While a
 * group is a backend of a backend service Compute refuses to delete it, so the operation ends
 * in error and the pool stays as it was (see in-use.ts).
 */
export function deleteNodePool(ctx: ClusterContext, req: SimRequest): ContainerOperation {
  const { sim } = ctx;
  const project = p(req, 'project');
  const location = p(req, 'location');
  const clusterName = p(req, 'cluster');
  const poolName = p(req, 'nodePool');
  const cluster = getCluster(sim, project, location, clusterName);
  const pool = getPool(cluster, project, location, poolName);
  const key = clusterKey(project, location, clusterName);
  const audit = poolAudit(
    req,
    project,
    location,
    clusterName,
    poolName,
    'DeleteNodePool',
    {
      name: `projects/${project}/locations/${location}/clusters/${clusterName}/nodePools/${poolName}`,
    },
    pool.locations as string[],
  );
  const was = pool.status;
  return ctx.ops.start({
    project,
    location,
    operationType: 'DELETE_NODE_POOL',
    target: `clusters/${clusterName}/nodePools/${poolName}`,
    clusterKey: key,
    audit,
    begin: () => {
      pool.status = 'STOPPING';
    },
    apply: () => {
      const c = sim.store.get<Cluster>(CLUSTERS, key);
      const np = c?.nodePools.find((x) => x.name === poolName);
      if (!c || !np) return;
      try {
        refuseIfInUse(sim, project, np.instanceGroupUrls);
      } catch (e) {
        np.status = was;
        throw e;
      }
      unregisterNodes(
        ctx.apis.get(key)?.store,
        deletePoolNodes(sim, project, np.instanceGroupUrls),
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
  const project = p(req, 'project');
  const location = p(req, 'location');
  const clusterName = p(req, 'cluster');
  const poolName = p(req, 'nodePool');
  const request = obj(req.body);
  const cluster = getCluster(sim, project, location, clusterName);
  const pool = getPool(cluster, project, location, poolName);
  const poolPath = `projects/${project}/locations/${location}/clusters/${clusterName}/nodePools/${poolName}`;
  const wanted =
    Array.isArray(request.locations) && request.locations.length > 0
      ? request.locations.map(String)
      : (pool.locations as string[]);
  const key = clusterKey(project, location, clusterName);
  const audit = poolAudit(
    req,
    project,
    location,
    clusterName,
    poolName,
    'UpdateNodePool',
    { ...request, name: poolPath },
    wanted,
  );
  return ctx.ops.start({
    project,
    location,
    operationType: 'UPGRADE_NODES',
    target: `clusters/${clusterName}/nodePools/${poolName}`,
    clusterKey: key,
    audit,
    begin: () => {
      pool.status = 'RECONCILING';
    },
    apply: () => {
      const c = sim.store.get<Cluster>(CLUSTERS, key);
      const np = c?.nodePools.find((x) => x.name === poolName);
      if (!c || !np) return;
      movePool(ctx, project, key, c, np, wanted);
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
  const project = p(req, 'project');
  const location = p(req, 'location');
  const clusterName = p(req, 'cluster');
  const poolName = p(req, 'nodePool');
  const request = obj(req.body);
  const cluster = getCluster(sim, project, location, clusterName);
  const pool = getPool(cluster, project, location, poolName);
  const size = request.nodeCount;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0)
    throw invalidArgument(
      `Invalid value for field "node_count": ${JSON.stringify(size ?? null)}. Must be a non-negative integer.`,
    );
  const poolPath = `projects/${project}/locations/${location}/clusters/${clusterName}/nodePools/${poolName}`;
  const key = clusterKey(project, location, clusterName);
  const audit = poolAudit(
    req,
    project,
    location,
    clusterName,
    poolName,
    'SetNodePoolSize',
    { ...request, name: poolPath },
    pool.locations as string[],
  );
  const was = pool.status;
  return ctx.ops.start({
    project,
    location,
    operationType: 'SET_NODE_POOL_SIZE',
    target: `clusters/${clusterName}/nodePools/${poolName}`,
    clusterKey: key,
    audit,
    begin: () => {
      pool.status = 'RECONCILING';
    },
    apply: () => {
      const c = sim.store.get<Cluster>(CLUSTERS, key);
      const np = c?.nodePools.find((x) => x.name === poolName);
      if (!c || !np) return;
      const kube = ctx.apis.get(key)?.store;
      const { added, removed } = resizePoolNodes(
        sim,
        poolNodesSpec(project, c, np, np.locations as string[], size),
        np.instanceGroupUrls,
        size,
      );
      unregisterNodes(kube, removed);
      registerNodes(kube, poolNodeSpec(project, c, np), added);
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
  const { sim } = ctx;
  const project = p(req, 'project');
  const location = p(req, 'location');
  const clusterName = p(req, 'cluster');
  const poolName = p(req, 'nodePool');
  const request = obj(req.body);
  const cluster = getCluster(sim, project, location, clusterName);
  const pool = getPool(cluster, project, location, poolName);
  const autoscaling = checkAutoscaling(request.autoscaling, 'autoscaling');
  const poolPath = `projects/${project}/locations/${location}/clusters/${clusterName}/nodePools/${poolName}`;
  const key = clusterKey(project, location, clusterName);
  const audit = poolAudit(
    req,
    project,
    location,
    clusterName,
    poolName,
    'SetNodePoolAutoscaling',
    { ...request, name: poolPath },
    pool.locations as string[],
  );
  return ctx.ops.start({
    project,
    location,
    operationType: 'UPDATE_CLUSTER',
    target: `clusters/${clusterName}/nodePools/${poolName}`,
    clusterKey: key,
    audit,
    apply: () => {
      const np = sim.store.get<Cluster>(CLUSTERS, key)?.nodePools.find((x) => x.name === poolName);
      if (np) np.autoscaling = autoscaling;
    },
  });
}
