import { randomBytes } from 'node:crypto';
import { ok } from '../core/http.ts';
import { lastSegment } from '../core/links.ts';
import type { Route, SimRequest } from '../core/router.ts';
import type { JsonObject } from '../core/store.ts';
import { writeRejected } from './audit.ts';
import { autopilotKinds, completeAutopilot } from './autopilot.ts';
import {
  alreadyExists,
  ContainerError,
  invalidArgument,
  methodNotFound,
  notFound,
} from './errors.ts';
import { refuseIfInUse } from './in-use.ts';
import {
  buildPoolNodes,
  CLUSTERS,
  type Cluster,
  type ClusterContext,
  clusterAudit,
  getCluster,
  NAME_RE,
  newPool,
  obj,
  p,
  poolZones,
  refreshDerived,
  VERSION,
} from './model.ts';
import {
  clusterKey,
  clusterResourceName,
  containerLink,
  defaultZones,
  isZone,
  nodePoolResourceName,
  scopeOf,
} from './names.ts';
import { networking, removeManagedRanges } from './network.ts';
import {
  createNodePool,
  deleteNodePool,
  setNodePoolAutoscaling,
  setNodePoolSize,
  updateNodePool,
} from './nodepools.ts';
import { deletePoolNodes } from './nodes.ts';
import type { ContainerOperation } from './operations.ts';
import { serverConfig, setLabels, updateCluster } from './updates.ts';

export { CLUSTERS, type Cluster, type ClusterContext, type NodePool } from './model.ts';

/**
 * `networkConfig.datapathProvider` as sent: a DatapathProvider
 * (https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/DatapathProvider) by name or
 * by number, as proto3 JSON parsers accept both (https://protobuf.dev/programming-guides/proto3/#json;
 * the Node client sends the number), kept by name. Anything else fails parsing the way Google's
 * front end words it ("Invalid value at 'field' (type), value"); an unknown number too, which the
 * simulator does not keep. Unset or DATAPATH_PROVIDER_UNSPECIFIED (0) is left out of the reply, as
 * proto3 JSON leaves default values out. GKE Dataplane V2 needs a VPC-native cluster
 * (https://cloud.google.com/kubernetes-engine/docs/how-to/dataplane-v2); the wording of that
 * refusal is the simulator's own.
 */
function datapathOf(body: JsonObject, vpcNative: boolean): string | undefined {
  const given = obj(body.networkConfig).datapathProvider;
  if (given === undefined || given === null) return undefined;
  const name = typeof given === 'number' ? DATAPATH_PROVIDERS[given] : given;
  if (typeof name !== 'string' || !DATAPATH_PROVIDERS.includes(name))
    throw invalidArgument(
      `Invalid value at 'cluster.network_config.datapath_provider' (type.googleapis.com/google.container.v1.DatapathProvider), ${JSON.stringify(given)}`,
    );
  if (name === 'ADVANCED_DATAPATH' && !vpcNative)
    throw invalidArgument(
      'GKE Dataplane V2 (datapathProvider ADVANCED_DATAPATH) requires a VPC-native cluster: set ipAllocationPolicy.useIpAliases.',
    );
  return name === 'DATAPATH_PROVIDER_UNSPECIFIED' ? undefined : name;
}

/** DatapathProvider's values in the order of their numbers (google/container/v1/cluster_service.proto). */
const DATAPATH_PROVIDERS = [
  'DATAPATH_PROVIDER_UNSPECIFIED',
  'LEGACY_DATAPATH',
  'ADVANCED_DATAPATH',
];

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
    throw alreadyExists(clusterResourceName(project, location, name));
  const id = randomBytes(16).toString('hex');
  let cluster: Cluster;
  try {
    if (!NAME_RE.test(name))
      throw invalidArgument(
        `Invalid value for field "cluster.name": "${name}". Must match ${NAME_RE.source}.`,
      );
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
    // Pool names are checked before networking may add GKE-managed secondary ranges.
    for (const pb of poolBodies) {
      if (!NAME_RE.test(String(pb.name ?? ''))) {
        throw invalidArgument(
          `Invalid value for field "nodePool.name": "${String(pb.name ?? '')}".`,
        );
      }
    }
    const net = networking(sim, project, location, body, id.slice(0, 8));
    const datapathProvider = datapathOf(body, net.vpcNative);
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
        ...(datapathProvider ? { datapathProvider } : {}),
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
    completeAutopilot(cluster, body, location);
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
    ...autopilotKinds(sim, cluster),
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
        const kube = ctx.apis.get(key)?.store;
        for (const pool of c.nodePools) buildPoolNodes(sim, project, c, pool, { kube });
        refreshDerived(c, sim);
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
  return ctx.ops.start({
    project,
    location,
    operationType: 'DELETE_CLUSTER',
    target: `clusters/${name}`,
    clusterKey: key,
    audit,
    // Its pools' nodes are drained before their groups go, as for DeleteNodePool.
    drains: true,
    begin: () => {
      cluster.status = 'STOPPING';
    },
    apply: () => {
      const c = sim.store.get<Cluster>(CLUSTERS, key);
      if (!c) return;
      try {
        refuseIfInUse(
          sim,
          project,
          c.nodePools.flatMap((np) => np.instanceGroupUrls),
        );
      } catch (e) {
        // "In the event of the operation failing, the cluster will enter the ERROR state"
        // (Operation.Type DELETE_CLUSTER, google/container/v1/cluster_service.proto); its
        // pools and nodes stay as they were.
        c.status = 'ERROR';
        if (e instanceof ContainerError) c.statusMessage = e.message;
        throw e;
      }
      for (const pool of c.nodePools) deletePoolNodes(sim, project, pool.instanceGroupUrls);
      removeManagedRanges(sim, c);
      sim.store.delete(CLUSTERS, key);
      void ctx.apis
        .stop(key)
        .catch(() => undefined)
        .then(() => {
          sim.info.kubeconfigs = ctx.apis.kubeconfigs();
        });
    },
  });
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
    add('PUT', '/clusters/{cluster}', 'clusters.update', 'write', (req) =>
      ok(updateCluster(ctx, req)),
    );
    // locations/ form `:setResourceLabels`, zones/ form `/resourceLabels`.
    add(
      'POST',
      scope === 'locations'
        ? '/clusters/{cluster}:setResourceLabels'
        : '/clusters/{cluster}/resourceLabels',
      'clusters.setResourceLabels',
      'write',
      (req) => ok(setLabels(ctx, req)),
    );
    add(
      'POST',
      scope === 'locations'
        ? '/clusters/{cluster}/nodePools/{nodePool}:setSize'
        : '/clusters/{cluster}/nodePools/{nodePool}/setSize',
      'nodePools.setSize',
      'write',
      (req) => ok(setNodePoolSize(ctx, req)),
    );
    add(
      'POST',
      scope === 'locations'
        ? '/clusters/{cluster}/nodePools/{nodePool}:setAutoscaling'
        : '/clusters/{cluster}/nodePools/{nodePool}/autoscaling',
      'nodePools.setAutoscaling',
      'write',
      (req) => ok(setNodePoolAutoscaling(ctx, req)),
    );
    // GetServerConfig: `locations/{l}/serverConfig`, zones/ form `zones/{z}/serverconfig`.
    add(
      'GET',
      scope === 'locations' ? '/serverConfig' : '/serverconfig',
      'getServerConfig',
      'read',
      (req) => {
        // The location must be a zone or region name; the project is any.
        p(req, 'project');
        return ok(serverConfig());
      },
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
      if (!np) throw notFound(nodePoolResourceName(project, location, c.name, p(req, 'nodePool')));
      return ok(structuredClone(np));
    });
    // UpdateNodePool's http rule: `put /v1/{name=projects/*/locations/*/clusters/*/nodePools/*}`,
    // and for the zones/ form only `post .../nodePools/{node_pool_id}/update`
    // (google/container/v1/cluster_service.proto).
    add(
      scope === 'locations' ? 'PUT' : 'POST',
      scope === 'locations'
        ? '/clusters/{cluster}/nodePools/{nodePool}'
        : '/clusters/{cluster}/nodePools/{nodePool}/update',
      'nodePools.update',
      'write',
      (req) => ok(updateNodePool(ctx, req)),
    );
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
  // Anything else under GKE's paths is a method GKE does not have (or the simulator does not
  // serve): GKE's own error form, not Compute's. Last, so every route above matches first.
  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
    for (const scope of ['locations', 'zones', 'aggregated']) {
      routes.push({
        method,
        pattern: `/v1/projects/{project}/${scope}/{rest=**}`,
        name: 'container.methodNotFound',
        kind: 'read',
        handler: () => {
          throw methodNotFound();
        },
      });
    }
  }
  return routes;
}
