import type { SimRequest } from '../core/router.ts';
import { writeRejected } from './audit.ts';
import { ContainerError, notFound } from './errors.ts';
import { unregisterNodes } from './k8s-nodes.ts';
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
  poolZones,
  refreshDerived,
} from './model.ts';
import { clusterKey, nodePoolResourceName } from './names.ts';
import { deletePoolNodes } from './nodes.ts';
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
  const op = ctx.ops.start({
    project,
    location,
    operationType: 'CREATE_NODE_POOL',
    target: `clusters/${clusterName}/nodePools/${poolName}`,
    clusterKey: key,
    audit,
    apply: () => {
      const c = sim.store.get<Cluster>(CLUSTERS, key);
      const np = c?.nodePools.find((x) => x.name === poolName);
      if (!c || !np) return;
      buildPoolNodes(sim, project, c, np, undefined, ctx.apis.get(key)?.store);
      refreshDerived(c);
    },
  });
  cluster.nodePools.push(pool);
  return op;
}

/** DeleteNodePool: DELETE_NODE_POOL operation; groups and node routes go when it is DONE. */
export function deleteNodePool(ctx: ClusterContext, req: SimRequest): ContainerOperation {
  const { sim } = ctx;
  const project = p(req, 'project');
  const location = p(req, 'location');
  const clusterName = p(req, 'cluster');
  const poolName = p(req, 'nodePool');
  const cluster = getCluster(sim, project, location, clusterName);
  const pool = cluster.nodePools.find((np) => np.name === poolName);
  if (!pool)
    throw notFound(
      `projects/${project}/locations/${location}/clusters/${clusterName}/nodePools/${poolName}`,
    );
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
  const op = ctx.ops.start({
    project,
    location,
    operationType: 'DELETE_NODE_POOL',
    target: `clusters/${clusterName}/nodePools/${poolName}`,
    clusterKey: key,
    audit,
    apply: () => {
      const c = sim.store.get<Cluster>(CLUSTERS, key);
      const np = c?.nodePools.find((x) => x.name === poolName);
      if (!c || !np) return;
      unregisterNodes(
        ctx.apis.get(key)?.store,
        deletePoolNodes(sim, project, np.instanceGroupUrls),
      );
      c.nodePools = c.nodePools.filter((x) => x !== np);
      refreshDerived(c);
    },
  });
  pool.status = 'STOPPING';
  return op;
}

/** Zone of an instance group manager URL. */
function zoneOfGroup(url: string): string {
  return /\/zones\/([^/]+)\//.exec(url)?.[1] ?? '';
}

/**
 * UpdateNodePool: a change of `locations` adds an instance group (with nodes) in each new zone
 * and removes the groups of dropped zones; version and image type are recorded. Operation type
 * UPGRADE_NODES, as GKE reports node-pool updates.
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
  const pool = cluster.nodePools.find((np) => np.name === poolName);
  const poolPath = `projects/${project}/locations/${location}/clusters/${clusterName}/nodePools/${poolName}`;
  if (!pool) throw notFound(poolPath);
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
  const op = ctx.ops.start({
    project,
    location,
    operationType: 'UPGRADE_NODES',
    target: `clusters/${clusterName}/nodePools/${poolName}`,
    clusterKey: key,
    audit,
    apply: () => {
      const c = sim.store.get<Cluster>(CLUSTERS, key);
      const np = c?.nodePools.find((x) => x.name === poolName);
      if (!c || !np) return;
      const before = np.locations as string[];
      const dropped = np.instanceGroupUrls.filter((u) => !wanted.includes(zoneOfGroup(u)));
      unregisterNodes(ctx.apis.get(key)?.store, deletePoolNodes(sim, project, dropped));
      np.instanceGroupUrls = np.instanceGroupUrls.filter((u) => !dropped.includes(u));
      np.locations = wanted;
      buildPoolNodes(
        sim,
        project,
        c,
        np,
        wanted.filter((z) => !before.includes(z)),
        ctx.apis.get(key)?.store,
      );
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
      refreshDerived(c);
    },
  });
  pool.status = 'RECONCILING';
  return op;
}
