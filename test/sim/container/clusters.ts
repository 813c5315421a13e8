import { randomBytes } from 'node:crypto';
import { overlapCidr } from 'cidr-tools';
import { ok } from '../core/http.ts';
import { computeLink, lastSegment, refPath } from '../core/links.ts';
import type { Route, SimRequest } from '../core/router.ts';
import type { Sim } from '../core/sim.ts';
import type { JsonObject } from '../core/store.ts';
import type { GkeAudit } from './audit.ts';
import { writeRejected } from './audit.ts';
import { alreadyExists, ContainerError, invalidArgument, notFound } from './errors.ts';
import type { ClusterApis } from './kube.ts';
import {
  clusterKey,
  clusterResourceName,
  containerLink,
  defaultZones,
  isZone,
  nodePoolResourceName,
  regionOf,
  scopeOf,
} from './names.ts';
import { createPoolNodes, deletePoolNodes, takenRanges } from './nodes.ts';
import { type ContainerOperation, type ContainerOperations, OPERATIONS } from './operations.ts';
import { blockPrefix, freeBlock, normalizedCidr, servicesRangeOf } from './ranges.ts';

export const CLUSTERS = 'containerClusters';

/** The Kubernetes version the simulated clusters report. */
const VERSION = '1.32.4-gke.1000';
const NAME_RE = /^[a-z](?:[-a-z0-9]{0,38}[a-z0-9])?$/;

/** A stored cluster (v1 Cluster, https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters). */
export type Cluster = JsonObject & { name: string; status: string; nodePools: NodePool[] };
export type NodePool = JsonObject & { name: string; status: string; instanceGroupUrls: string[] };

/** What the GKE routes need. */
export interface ClusterContext {
  sim: Sim;
  ops: ContainerOperations;
  apis: ClusterApis;
}

function obj(v: unknown): JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : {};
}

function p(req: SimRequest, name: string): string {
  const v = req.params[name];
  if (v === undefined) throw invalidArgument(`missing ${name}`);
  return v;
}

function getCluster(sim: Sim, project: string, location: string, name: string): Cluster {
  const c = sim.store.get<Cluster>(CLUSTERS, clusterKey(project, location, name));
  if (!c) throw notFound(`projects/${project}/locations/${location}/clusters/${name}`);
  return c;
}

function clusterAudit(
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

function poolAudit(
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

interface Networking {
  networkPath: string;
  subnetPath: string | undefined;
  clusterCidr: string;
  servicesCidr: string;
  vpcNative: boolean;
  policy: JsonObject;
}

/**
 * Pod and service ranges. VPC-native (useIpAliases): the subnet's secondary ranges named in
 * the policy, or new ones GKE adds to the subnet (`gke-<cluster>-pods-<hash>`) when none is named
 * (https://cloud.google.com/kubernetes-engine/docs/concepts/alias-ips). Routes-based: the given
 * clusterIpv4Cidr or a free /14 of 10.0.0.0/8, services in its last /20.
 */
function networking(
  sim: Sim,
  project: string,
  location: string,
  body: JsonObject,
  hash: string,
): Networking {
  const networkPath = refPath(
    String(body.network ?? 'default').includes('/')
      ? String(body.network)
      : `global/networks/${String(body.network ?? 'default')}`,
    project,
  );
  const networkUrl = computeLink(networkPath);
  if (!sim.store.get('networks', networkPath)) {
    throw invalidArgument(`Network "${lastSegment(networkPath)}" does not exist.`);
  }
  const region = regionOf(location);
  let subnetPath: string | undefined;
  if (typeof body.subnetwork === 'string' && body.subnetwork !== '') {
    subnetPath = refPath(
      body.subnetwork.includes('/')
        ? body.subnetwork
        : `regions/${region}/subnetworks/${body.subnetwork}`,
      project,
    );
    if (!sim.store.get('subnetworks', subnetPath)) {
      throw invalidArgument(`Subnetwork "${lastSegment(subnetPath)}" does not exist.`);
    }
  } else {
    const found = sim.store
      .list<JsonObject>('subnetworks', `projects/${project}/regions/${region}/subnetworks/`)
      .find((s) => s.network === networkUrl);
    if (found) subnetPath = refPath(String(found.selfLink), project);
  }
  const policy = obj(body.ipAllocationPolicy);
  const vpcNative = policy.useIpAliases === true;
  if (vpcNative) {
    if (!subnetPath)
      throw invalidArgument('VPC-native clusters need a subnetwork in the cluster region.');
    const subnet = sim.store.get<JsonObject>('subnetworks', subnetPath) ?? {};
    const secondary = (subnet.secondaryIpRanges as JsonObject[] | undefined) ?? [];
    const rangeFor = (
      nameField: string,
      blockField: string,
      fallbackPrefix: number,
      kind: string,
    ): string => {
      const wanted = policy[nameField];
      if (typeof wanted === 'string' && wanted !== '') {
        const r = secondary.find((s) => s.rangeName === wanted);
        if (!r)
          throw invalidArgument(
            `Secondary range "${wanted}" does not exist in subnetwork "${lastSegment(subnetPath ?? '')}".`,
          );
        return String(r.ipCidrRange);
      }
      const taken = takenRanges(sim, networkUrl);
      const given =
        typeof policy[blockField] === 'string'
          ? normalizedCidr(String(policy[blockField]))
          : undefined;
      const range =
        given ?? freeBlock('10.0.0.0/8', blockPrefix(policy[blockField], fallbackPrefix), taken);
      if (!range) throw invalidArgument(`no free ${kind} range in 10.0.0.0/8`);
      const rangeName = `gke-${String(body.name)}-${kind}-${hash}`;
      subnet.secondaryIpRanges = [...secondary, { rangeName, ipCidrRange: range }];
      secondary.push({ rangeName, ipCidrRange: range });
      policy[nameField] = rangeName;
      return range;
    };
    const clusterCidr = rangeFor('clusterSecondaryRangeName', 'clusterIpv4CidrBlock', 14, 'pods');
    const servicesCidr = rangeFor(
      'servicesSecondaryRangeName',
      'servicesIpv4CidrBlock',
      20,
      'services',
    );
    return {
      networkPath,
      subnetPath,
      clusterCidr,
      servicesCidr,
      vpcNative,
      policy: {
        useIpAliases: true,
        clusterSecondaryRangeName: policy.clusterSecondaryRangeName ?? null,
        servicesSecondaryRangeName: policy.servicesSecondaryRangeName ?? null,
        clusterIpv4Cidr: clusterCidr,
        clusterIpv4CidrBlock: clusterCidr,
        servicesIpv4Cidr: servicesCidr,
        servicesIpv4CidrBlock: servicesCidr,
        stackType: 'IPV4',
      },
    };
  }
  let clusterCidr: string | undefined;
  if (typeof body.clusterIpv4Cidr === 'string' && body.clusterIpv4Cidr !== '') {
    clusterCidr = normalizedCidr(body.clusterIpv4Cidr);
    if (!clusterCidr)
      throw invalidArgument(
        `Invalid value for field "cluster.clusterIpv4Cidr": "${body.clusterIpv4Cidr}".`,
      );
    const wanted = clusterCidr;
    const clash = takenRanges(sim, networkUrl).find((r) => overlapCidr(wanted, r));
    if (clash)
      throw invalidArgument(
        `Requested CIDR ${clusterCidr} overlaps with ${clash} in network "${lastSegment(networkPath)}".`,
      );
  } else {
    clusterCidr = freeBlock('10.0.0.0/8', 14, takenRanges(sim, networkUrl));
    if (!clusterCidr) throw invalidArgument('no free /14 in 10.0.0.0/8 for the cluster');
  }
  return {
    networkPath,
    subnetPath,
    clusterCidr,
    servicesCidr: servicesRangeOf(clusterCidr),
    vpcNative: false,
    policy: {},
  };
}

function poolZones(cluster: JsonObject, location: string, body: JsonObject): string[] {
  const given = Array.isArray(body.locations) ? body.locations.map(String) : [];
  if (given.length > 0) return given;
  const clusterLocations = Array.isArray(cluster.locations) ? cluster.locations.map(String) : [];
  return clusterLocations.length > 0 ? clusterLocations : defaultZones(location);
}

function newPool(
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

function buildPoolNodes(sim: Sim, project: string, cluster: Cluster, pool: NodePool): void {
  const routesBased = obj(cluster.ipAllocationPolicy).useIpAliases !== true;
  const net = obj(cluster.networkConfig);
  pool.instanceGroupUrls = createPoolNodes(sim, {
    project,
    cluster: cluster.name,
    clusterHash: String(cluster.id).slice(0, 8),
    pool: pool.name,
    zones: pool.locations as string[],
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
  pool.status = 'RUNNING';
}

function refreshDerived(cluster: Cluster): void {
  cluster.instanceGroupUrls = cluster.nodePools.flatMap((np) => np.instanceGroupUrls);
  cluster.currentNodeCount = cluster.nodePools.reduce(
    (n, np) => n + Number(np.initialNodeCount) * (np.locations as string[]).length,
    0,
  );
}

/** Creates a cluster: validates, starts its Kubernetes API, and runs CREATE_CLUSTER. */
async function createCluster(ctx: ClusterContext, req: SimRequest): Promise<ContainerOperation> {
  const { sim } = ctx;
  const project = p(req, 'project');
  const location = p(req, 'location');
  const request = obj(req.body);
  const body = structuredClone(obj(request.cluster));
  const name = String(body.name ?? '');
  const zones =
    Array.isArray(body.locations) && body.locations.length > 0
      ? body.locations.map(String)
      : defaultZones(location);
  const audit = clusterAudit(
    req,
    project,
    location,
    name,
    'CreateCluster',
    'container.clusters.create',
    { ...request, parent: `projects/${project}/locations/${location}` },
    [location],
  );
  const key = clusterKey(project, location, name);
  if (sim.store.get(CLUSTERS, key))
    throw alreadyExists(`projects/${project}/locations/${location}/clusters/${name}`);
  const id = randomBytes(16).toString('hex');
  let cluster: Cluster;
  try {
    if (!NAME_RE.test(name))
      throw invalidArgument(
        `Invalid value for field "cluster.name": "${name}". Must match ${NAME_RE.source}.`,
      );
    const net = networking(sim, project, location, body, id.slice(0, 8));
    const poolBodies =
      Array.isArray(body.nodePools) && body.nodePools.length > 0
        ? body.nodePools.map(obj)
        : [
            {
              name: 'default-pool',
              initialNodeCount: body.initialNodeCount ?? 3,
              ...(body.nodeConfig ? { config: body.nodeConfig } : {}),
            },
          ];
    const pools = poolBodies.map((pb) =>
      newPool(
        project,
        location,
        name,
        pb,
        poolZones({ locations: zones }, location, pb),
        net.vpcNative,
      ),
    );
    cluster = {
      name,
      ...(body.description ? { description: body.description } : {}),
      nodeConfig: pools[0]?.config ?? {},
      masterAuth: {},
      loggingService: 'logging.googleapis.com/kubernetes',
      monitoringService: 'monitoring.googleapis.com/kubernetes',
      network: lastSegment(net.networkPath),
      clusterIpv4Cidr: net.clusterCidr,
      ...(net.subnetPath ? { subnetwork: lastSegment(net.subnetPath) } : {}),
      nodePools: pools,
      locations: zones,
      labelFingerprint: randomBytes(4).toString('hex'),
      ipAllocationPolicy: net.policy,
      networkConfig: {
        network: net.networkPath,
        ...(net.subnetPath ? { subnetwork: net.subnetPath } : {}),
      },
      selfLink: containerLink(`projects/${project}/${scopeOf(location)}/clusters/${name}`),
      ...(isZone(location) ? { zone: location } : {}),
      endpoint: '',
      initialClusterVersion: VERSION,
      currentMasterVersion: VERSION,
      currentNodeVersion: VERSION,
      createTime: new Date().toISOString(),
      status: 'PROVISIONING',
      servicesIpv4Cidr: net.servicesCidr,
      location,
      id,
      etag: randomBytes(8).toString('hex'),
      ...(body.resourceLabels ? { resourceLabels: body.resourceLabels } : {}),
    } as Cluster;
  } catch (e) {
    if (e instanceof ContainerError && name !== '')
      writeRejected(sim, audit, { code: e.rpcCode, message: e.message });
    throw e;
  }
  refreshDerived(cluster);
  // The API server comes up with the cluster; GKE fills endpoint and CA during provisioning.
  const kube = await ctx.apis.start(key, {
    contextName: `gke_${project}_${location}_${name}`,
    servicesCidr: String(cluster.servicesIpv4Cidr),
    nodeCount: Number(cluster.currentNodeCount),
  });
  cluster.endpoint = kube.endpoint;
  cluster.masterAuth = { clusterCaCertificate: kube.caBase64 };
  sim.store.put(CLUSTERS, key, cluster);
  sim.info.kubeconfigs = ctx.apis.kubeconfigs();
  try {
    return ctx.ops.start({
      project,
      location,
      operationType: 'CREATE_CLUSTER',
      target: `clusters/${name}`,
      clusterKey: key,
      audit,
      apply: () => {
        const c = sim.store.get<Cluster>(CLUSTERS, key);
        if (!c) return;
        for (const pool of c.nodePools) buildPoolNodes(sim, project, c, pool);
        refreshDerived(c);
        c.status = 'RUNNING';
      },
    });
  } catch (e) {
    sim.store.delete(CLUSTERS, key);
    await ctx.apis.stop(key);
    throw e;
  }
}

function deleteCluster(ctx: ClusterContext, req: SimRequest): ContainerOperation {
  const { sim } = ctx;
  const project = p(req, 'project');
  const location = p(req, 'location');
  const name = p(req, 'cluster');
  const cluster = getCluster(sim, project, location, name);
  const key = clusterKey(project, location, name);
  const audit = clusterAudit(
    req,
    project,
    location,
    name,
    'DeleteCluster',
    'container.clusters.delete',
    { name: `projects/${project}/locations/${location}/clusters/${name}` },
    [location],
  );
  const op = ctx.ops.start({
    project,
    location,
    operationType: 'DELETE_CLUSTER',
    target: `clusters/${name}`,
    clusterKey: key,
    audit,
    apply: () => {
      const c = sim.store.get<Cluster>(CLUSTERS, key);
      if (!c) return;
      for (const pool of c.nodePools) deletePoolNodes(sim, project, pool.instanceGroupUrls);
      sim.store.delete(CLUSTERS, key);
      void ctx.apis.stop(key).then(() => {
        sim.info.kubeconfigs = ctx.apis.kubeconfigs();
      });
    },
  });
  cluster.status = 'STOPPING';
  return op;
}

function createNodePool(ctx: ClusterContext, req: SimRequest): ContainerOperation {
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
      buildPoolNodes(sim, project, c, np);
      refreshDerived(c);
    },
  });
  cluster.nodePools.push(pool);
  return op;
}

function deleteNodePool(ctx: ClusterContext, req: SimRequest): ContainerOperation {
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
      deletePoolNodes(sim, project, np.instanceGroupUrls);
      c.nodePools = c.nodePools.filter((x) => x !== np);
      refreshDerived(c);
    },
  });
  pool.status = 'STOPPING';
  return op;
}

/**
 * GKE v1 routes, in both the `locations/` form and the older `zones/` form the client libraries
 * may use (https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters,
 * https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.zones.clusters).
 */
export function clusterRoutes(ctx: ClusterContext): Route[] {
  const { sim } = ctx;
  const routes: Route[] = [];
  for (const scope of ['locations', 'zones']) {
    const base = `/v1/projects/{project}/${scope}/{location}`;
    const add = (
      method: string,
      path: string,
      name: string,
      kind: 'read' | 'write',
      handler: Route['handler'],
    ) =>
      routes.push({ method, pattern: `${base}${path}`, name: `container.${name}`, kind, handler });
    add('POST', '/clusters', 'clusters.create', 'write', async (req) =>
      ok(await createCluster(ctx, req)),
    );
    add('GET', '/clusters', 'clusters.list', 'read', (req) => {
      const project = p(req, 'project');
      const location = p(req, 'location');
      const prefix =
        location === '-'
          ? `projects/${project}/locations/`
          : `projects/${project}/locations/${location}/`;
      return ok({
        clusters: sim.store.list<Cluster>(CLUSTERS, prefix).map((c) => structuredClone(c)),
      });
    });
    add('GET', '/clusters/{cluster}', 'clusters.get', 'read', (req) =>
      ok(
        structuredClone(getCluster(sim, p(req, 'project'), p(req, 'location'), p(req, 'cluster'))),
      ),
    );
    add('DELETE', '/clusters/{cluster}', 'clusters.delete', 'write', (req) =>
      ok(deleteCluster(ctx, req)),
    );
    add('POST', '/clusters/{cluster}/nodePools', 'nodePools.create', 'write', (req) =>
      ok(createNodePool(ctx, req)),
    );
    add('GET', '/clusters/{cluster}/nodePools', 'nodePools.list', 'read', (req) => {
      const c = getCluster(sim, p(req, 'project'), p(req, 'location'), p(req, 'cluster'));
      return ok({ nodePools: structuredClone(c.nodePools) });
    });
    add('GET', '/clusters/{cluster}/nodePools/{nodePool}', 'nodePools.get', 'read', (req) => {
      const project = p(req, 'project');
      const location = p(req, 'location');
      const c = getCluster(sim, project, location, p(req, 'cluster'));
      const np = c.nodePools.find((x) => x.name === p(req, 'nodePool'));
      if (!np)
        throw notFound(
          `projects/${project}/locations/${location}/clusters/${c.name}/nodePools/${p(req, 'nodePool')}`,
        );
      return ok(structuredClone(np));
    });
    add('DELETE', '/clusters/{cluster}/nodePools/{nodePool}', 'nodePools.delete', 'write', (req) =>
      ok(deleteNodePool(ctx, req)),
    );
    add('GET', '/operations', 'operations.list', 'read', (req) =>
      ok({ operations: ctx.ops.list(p(req, 'project'), p(req, 'location')) }),
    );
    add('GET', '/operations/{operation}', 'operations.get', 'read', (req) =>
      ok(ctx.ops.get(p(req, 'project'), p(req, 'location'), p(req, 'operation'))),
    );
  }
  return routes;
}

export { OPERATIONS };
