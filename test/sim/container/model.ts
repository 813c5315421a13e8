import { randomBytes } from 'node:crypto';
import { refPath } from '../core/links.ts';
import type { SimRequest } from '../core/router.ts';
import type { Sim } from '../core/sim.ts';
import type { JsonObject } from '../core/store.ts';
import type { KubeStore } from '../kube/store.ts';
import type { GkeAudit } from './audit.ts';
import { invalidArgument, notFound } from './errors.ts';
import { type PoolNodeSpec, registerNodes } from './k8s-nodes.ts';
import type { ClusterApis } from './kube.ts';
import {
  clusterKey,
  clusterResourceName,
  containerLink,
  defaultZones,
  nodePoolResourceName,
  scopeOf,
} from './names.ts';
import { createPoolNodes, type PoolNodes } from './nodes.ts';
import type { ContainerOperations } from './operations.ts';

/** Store collection of GKE clusters, keyed `projects/P/locations/L/clusters/C`. */
export const CLUSTERS = 'containerClusters';

/** The Kubernetes version the simulated clusters report. */
export const VERSION = '1.32.4-gke.1000';
/** Cluster and node-pool names: lower case, digits, hyphens, up to 40 characters. */
export const NAME_RE = /^[a-z](?:[-a-z0-9]{0,38}[a-z0-9])?$/;

/** A stored cluster (v1 Cluster, https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters). */
export type Cluster = JsonObject & { name: string; status: string; nodePools: NodePool[] };
/** A node pool as stored inside its cluster (v1 NodePool). */
export type NodePool = JsonObject & { name: string; status: string; instanceGroupUrls: string[] };

/** What the GKE routes need. */
export interface ClusterContext {
  sim: Sim;
  ops: ContainerOperations;
  apis: ClusterApis;
}

/** `v` as a JSON object, or `{}`. */
export function obj(v: unknown): JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : {};
}

/** A path parameter (the router guarantees it; typed access). */
export function p(req: SimRequest, name: string): string {
  const v = req.params[name];
  if (v === undefined) throw invalidArgument(`missing ${name}`);
  return v;
}

/** A stored cluster, or 404 NOT_FOUND. */
export function getCluster(sim: Sim, project: string, location: string, name: string): Cluster {
  const c = sim.store.get<Cluster>(CLUSTERS, clusterKey(project, location, name));
  if (!c) throw notFound(clusterResourceName(project, location, name));
  return c;
}

/** Audit facts for a cluster-level mutation. */
export function clusterAudit(
  req: SimRequest,
  project: string,
  location: string,
  cluster: string,
  method: string,
  permission: string,
  request: JsonObject,
  locations: string[],
): GkeAudit {
  const resourceName = clusterResourceName(project, location, cluster);
  return {
    project,
    location,
    method,
    resourceName,
    resourceType: 'gke_cluster',
    resourceLabels: { cluster_name: cluster, location },
    principal: req.principal,
    ...(typeof req.headers['user-agent'] === 'string'
      ? { userAgent: req.headers['user-agent'] }
      : {}),
    permission,
    permissionResource: resourceName,
    request,
    locations,
  };
}

/** Audit facts for a node-pool mutation (permission checked on the cluster). */
export function poolAudit(
  req: SimRequest,
  project: string,
  location: string,
  cluster: string,
  pool: string,
  method: string,
  request: JsonObject,
  locations: string[],
): GkeAudit {
  return {
    ...clusterAudit(
      req,
      project,
      location,
      cluster,
      method,
      'container.clusters.update',
      request,
      locations,
    ),
    resourceName: nodePoolResourceName(project, location, cluster, pool),
    resourceType: 'gke_nodepool',
    resourceLabels: { cluster_name: cluster, location, nodepool_name: pool },
  };
}

/** A pool's zones: its own `locations`, else the cluster's, else the location's defaults. */
export function poolZones(cluster: JsonObject, location: string, body: JsonObject): string[] {
  const given = Array.isArray(body.locations) ? body.locations.map(String) : [];
  if (given.length > 0) return given;
  const clusterLocations = Array.isArray(cluster.locations) ? cluster.locations.map(String) : [];
  return clusterLocations.length > 0 ? clusterLocations : defaultZones(location);
}

/** A new node pool (PROVISIONING, no instance groups yet) from a request body. Throws INVALID_ARGUMENT. */
export function newPool(
  project: string,
  location: string,
  cluster: string,
  body: JsonObject,
  zones: string[],
  vpcNative: boolean,
): NodePool {
  const name = String(body.name ?? '');
  if (!NAME_RE.test(name))
    throw invalidArgument(
      `Invalid value for field "nodePool.name": "${name}". Must match ${NAME_RE.source}.`,
    );
  const config = obj(body.config);
  return {
    name,
    config: {
      machineType: 'e2-medium',
      diskSizeGb: 100,
      oauthScopes: ['https://www.googleapis.com/auth/cloud-platform'],
      imageType: 'COS_CONTAINERD',
      serviceAccount: 'default',
      diskType: 'pd-balanced',
      ...config,
    },
    initialNodeCount: Number(body.initialNodeCount ?? 3),
    locations: zones,
    selfLink: containerLink(
      `projects/${project}/${scopeOf(location)}/clusters/${cluster}/nodePools/${name}`,
    ),
    version: VERSION,
    instanceGroupUrls: [],
    status: 'PROVISIONING',
    management: { autoUpgrade: true, autoRepair: true, ...obj(body.management) },
    podIpv4CidrSize: 24,
    ...(vpcNative ? { networkConfig: obj(body.networkConfig) } : {}),
    upgradeSettings: { maxSurge: 1, strategy: 'SURGE', ...obj(body.upgradeSettings) },
    etag: randomBytes(8).toString('hex'),
  };
}

/** What the Compute side of a pool is made from: the cluster's network, tag hash, pod ranges. */
export function poolNodesSpec(
  project: string,
  cluster: Cluster,
  pool: NodePool,
  zones: string[],
  nodesPerZone: number,
): PoolNodes {
  const routesBased = obj(cluster.ipAllocationPolicy).useIpAliases !== true;
  const net = obj(cluster.networkConfig);
  const labels = obj(cluster.resourceLabels) as Record<string, string>;
  return {
    project,
    cluster: cluster.name,
    clusterHash: String(cluster.id).slice(0, 8),
    pool: pool.name,
    zones,
    nodesPerZone,
    network: String(net.network),
    ...(net.subnetwork ? { subnetwork: String(net.subnetwork) } : {}),
    machineType: String(obj(pool.config).machineType),
    ...(routesBased
      ? {
          routes: {
            clusterCidr: String(cluster.clusterIpv4Cidr),
            servicesCidr: String(cluster.servicesIpv4Cidr),
          },
        }
      : {}),
    ...(Object.keys(labels).length > 0 ? { labels } : {}),
  };
}

/** What the Node objects of a pool's nodes carry. */
export function poolNodeSpec(project: string, cluster: Cluster, pool: NodePool): PoolNodeSpec {
  return {
    project,
    pool: pool.name,
    machineType: String(obj(pool.config).machineType),
    version: String(pool.version ?? VERSION),
    podRange: String(cluster.clusterIpv4Cidr),
  };
}

/**
 * The pool's size per zone: its groups' target size (what SetNodePoolSize last set), else
 * `initialNodeCount` (https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters.nodePools/setSize:
 * "The new size will be used for all replicas, including future replicas created by modifying
 * NodePool.locations").
 */
export function poolZoneSize(sim: Sim, project: string, pool: NodePool): number {
  for (const url of pool.instanceGroupUrls) {
    const igm = sim.store.get<JsonObject>('instanceGroupManagers', refPath(url, project));
    if (typeof igm?.targetSize === 'number') return igm.targetSize;
  }
  return Number(pool.initialNodeCount);
}

/**
 * Creates the pool's instance groups in `zones` (default: all its locations) with `perZone`
 * instances each (default: its current size per zone), lists them, and registers the nodes in
 * the cluster's API server (`kube`).
 */
export function buildPoolNodes(
  sim: Sim,
  project: string,
  cluster: Cluster,
  pool: NodePool,
  options: { zones?: string[]; kube?: KubeStore | undefined; perZone?: number } = {},
): void {
  const zones = options.zones ?? (pool.locations as string[]);
  const perZone = options.perZone ?? poolZoneSize(sim, project, pool);
  const { urls, nodes } = createPoolNodes(
    sim,
    poolNodesSpec(project, cluster, pool, zones, perZone),
  );
  pool.instanceGroupUrls = [...pool.instanceGroupUrls, ...urls];
  registerNodes(options.kube, poolNodeSpec(project, cluster, pool), nodes);
  pool.status = 'RUNNING';
}

/**
 * Recomputes the cluster fields derived from its pools: instanceGroupUrls, and currentNodeCount
 * from the groups' sizes (a pool without groups yet counts initialNodeCount per zone).
 */
export function refreshDerived(cluster: Cluster, sim?: Sim): void {
  cluster.instanceGroupUrls = cluster.nodePools.flatMap((np) => np.instanceGroupUrls);
  cluster.currentNodeCount = cluster.nodePools.reduce((n, np) => {
    if (!sim || np.instanceGroupUrls.length === 0)
      return n + Number(np.initialNodeCount) * (np.locations as string[]).length;
    return (
      n +
      np.instanceGroupUrls.reduce((m, url) => {
        const igm = sim.store.get<JsonObject>('instanceGroupManagers', refPath(url, ''));
        return m + Number(igm?.targetSize ?? 0);
      }, 0)
    );
  }, 0);
}
