import { randomBytes } from 'node:crypto';
import type { SimRequest } from '../core/router.ts';
import type { Sim } from '../core/sim.ts';
import type { JsonObject } from '../core/store.ts';
import type { KubeStore } from '../kube/store.ts';
import type { GkeAudit } from './audit.ts';
import { invalidArgument, notFound } from './errors.ts';
import { registerNodes } from './k8s-nodes.ts';
import type { ClusterApis } from './kube.ts';
import {
  clusterKey,
  clusterResourceName,
  containerLink,
  defaultZones,
  nodePoolResourceName,
  scopeOf,
} from './names.ts';
import { createPoolNodes } from './nodes.ts';
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
  if (!c) throw notFound(`projects/${project}/locations/${location}/clusters/${name}`);
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

/**
 * Creates the pool's instance groups in `zones` (default: all its locations), lists them, and
 * registers the nodes in the cluster's API server (`kube`).
 */
export function buildPoolNodes(
  sim: Sim,
  project: string,
  cluster: Cluster,
  pool: NodePool,
  zones: string[] = pool.locations as string[],
  kube?: KubeStore,
): void {
  const routesBased = obj(cluster.ipAllocationPolicy).useIpAliases !== true;
  const net = obj(cluster.networkConfig);
  const { urls, nodes } = createPoolNodes(sim, {
    project,
    cluster: cluster.name,
    clusterHash: String(cluster.id).slice(0, 8),
    pool: pool.name,
    zones,
    nodesPerZone: Number(pool.initialNodeCount),
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
  });
  pool.instanceGroupUrls = [...pool.instanceGroupUrls, ...urls];
  registerNodes(
    kube,
    {
      project,
      pool: pool.name,
      machineType: String(obj(pool.config).machineType),
      version: String(pool.version ?? VERSION),
      podRange: String(cluster.clusterIpv4Cidr),
    },
    nodes,
  );
  pool.status = 'RUNNING';
}

/** Recomputes the cluster fields derived from its pools (instanceGroupUrls, currentNodeCount). */
export function refreshDerived(cluster: Cluster): void {
  cluster.instanceGroupUrls = cluster.nodePools.flatMap((np) => np.instanceGroupUrls);
  cluster.currentNodeCount = cluster.nodePools.reduce(
    (n, np) => n + Number(np.initialNodeCount) * (np.locations as string[]).length,
    0,
  );
}
