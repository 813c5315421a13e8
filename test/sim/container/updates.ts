import { randomBytes } from 'node:crypto';
import type { SimRequest } from '../core/router.ts';
import type { JsonObject } from '../core/store.ts';
import { type GkeAudit, writeRejected } from './audit.ts';
import { ContainerError, failedPrecondition, invalidArgument, notFound } from './errors.ts';
import {
  CLUSTERS,
  type Cluster,
  type ClusterContext,
  clusterAudit,
  getCluster,
  obj,
  p,
  refreshDerived,
  VERSION,
} from './model.ts';
import { clusterKey, isZone, nodePoolResourceName, regionOf } from './names.ts';
import { checkAutoscaling, movePool } from './nodepools.ts';
import { relabelInstances } from './nodes.ts';
import type { ContainerOperation } from './operations.ts';

/** Runs `check`; a GKE error it throws is also written as the refused call's audit record. */
function refusing<T>(ctx: ClusterContext, audit: GkeAudit, check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof ContainerError)
      writeRejected(ctx.sim, audit, { code: e.rpcCode, message: e.message });
    throw e;
  }
}

/**
 * SetLabels (`:setResourceLabels`): replaces the cluster's resourceLabels when
 * `labelFingerprint` is the current one, else 400 FAILED_PRECONDITION worded as GKE words it
 * ("Labels could not be set due to fingerprint mismatch; try again with the proper fingerprint:
 * incorrect fingerprint supplied was "", the expected one is "a9dc16a7".", as GKE users report
 * it). The labels "in turn set them for Google Compute Engine resources used by that cluster"
 * (SetLabelsRequest, google/container/v1/cluster_service.proto), so the nodes get them too. The
 * fingerprint changes with every change. Operation UPDATE_CLUSTER ("Updating labels uses
 * UPDATE_CLUSTER", Operation.Type).
 * https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters/setResourceLabels
 */
export function setLabels(ctx: ClusterContext, req: SimRequest): ContainerOperation {
  const { sim } = ctx;
  const project = p(req, 'project');
  const location = p(req, 'location');
  const name = p(req, 'cluster');
  const request = obj(req.body);
  const cluster = getCluster(sim, project, location, name);
  const key = clusterKey(project, location, name);
  const audit = clusterAudit(
    req,
    project,
    location,
    name,
    'SetLabels',
    'container.clusters.update',
    { ...request, name: key },
    [location],
  );
  const labels = refusing(ctx, audit, () => {
    const given = String(request.labelFingerprint ?? '');
    if (given !== cluster.labelFingerprint)
      throw failedPrecondition(
        `Labels could not be set due to fingerprint mismatch; try again with the proper fingerprint: incorrect fingerprint supplied was "${given}", the expected one is "${String(cluster.labelFingerprint)}".`,
      );
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(obj(request.resourceLabels))) {
      if (typeof v !== 'string')
        throw invalidArgument(`Invalid value for field "resource_labels[${k}]": must be a string.`);
      out[k] = v;
    }
    return out;
  });
  return ctx.ops.start({
    project,
    location,
    operationType: 'UPDATE_CLUSTER',
    target: `clusters/${name}`,
    clusterKey: key,
    audit,
    apply: () => {
      const c = sim.store.get<Cluster>(CLUSTERS, key);
      if (!c) return;
      const before = obj(c.resourceLabels) as Record<string, string>;
      for (const pool of c.nodePools)
        relabelInstances(sim, project, pool.instanceGroupUrls, before, labels);
      if (Object.keys(labels).length > 0) c.resourceLabels = labels;
      else delete c.resourceLabels;
      c.labelFingerprint = randomBytes(4).toString('hex');
    },
  });
}

/** The ClusterUpdate fields the simulator applies. */
const MODELLED = new Set(['desiredNodePoolAutoscaling', 'desiredLocations']);

/**
 * UpdateCluster (PUT): applies one ClusterUpdate field ("Exactly one update can be applied to a
 * cluster with each request, so at most one field can be provided"):
 * - `desiredNodePoolAutoscaling` for `desiredNodePoolId`, or the only pool ("If there is only
 *   one pool in the cluster and desired_node_pool_id is not provided then the change applies to
 *   that single node pool");
 * - `desiredLocations`, which "must always include the cluster's primary zone" and "will update
 *   the locations of all node pools" (nodes added and removed; the cluster is RECONCILING).
 * Other fields are refused as not modelled. Operation UPDATE_CLUSTER.
 * https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters/update,
 * https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/ClusterUpdate
 */
export function updateCluster(ctx: ClusterContext, req: SimRequest): ContainerOperation {
  const { sim } = ctx;
  const project = p(req, 'project');
  const location = p(req, 'location');
  const name = p(req, 'cluster');
  const request = obj(req.body);
  const update = obj(request.update);
  const cluster = getCluster(sim, project, location, name);
  const key = clusterKey(project, location, name);
  const audit = clusterAudit(
    req,
    project,
    location,
    name,
    'UpdateCluster',
    'container.clusters.update',
    { ...request, name: key },
    [location],
  );
  const change = refusing(ctx, audit, (): { apply: () => void; reconciling: boolean } => {
    const fields = Object.keys(update).filter(
      (k) => k !== 'desiredNodePoolId' && update[k] !== null && update[k] !== undefined,
    );
    if (fields.length !== 1)
      throw invalidArgument(
        `Exactly one update can be applied to a cluster with each request; got ${fields.length} (${fields.join(', ')}).`,
      );
    const field = String(fields[0]);
    if (!MODELLED.has(field))
      throw invalidArgument(
        `Invalid value for field "update.${field}": the simulator models only ${[...MODELLED].join(' and ')}.`,
      );
    if (field === 'desiredNodePoolAutoscaling') {
      const wanted = typeof update.desiredNodePoolId === 'string' ? update.desiredNodePoolId : '';
      if (wanted === '' && cluster.nodePools.length !== 1)
        throw invalidArgument(
          'Invalid value for field "update.desired_node_pool_id": it must be set when the cluster has more than one node pool.',
        );
      const pool =
        wanted === '' ? cluster.nodePools[0] : cluster.nodePools.find((np) => np.name === wanted);
      if (!pool) throw notFound(nodePoolResourceName(project, location, name, wanted));
      const autoscaling = checkAutoscaling(
        update.desiredNodePoolAutoscaling,
        'update.desired_node_pool_autoscaling',
      );
      const poolName = pool.name;
      const apply = () => {
        const np = sim.store
          .get<Cluster>(CLUSTERS, key)
          ?.nodePools.find((x) => x.name === poolName);
        if (np) np.autoscaling = autoscaling;
      };
      return { apply, reconciling: false };
    }
    const zones = Array.isArray(update.desiredLocations) ? update.desiredLocations.map(String) : [];
    if (zones.length === 0 || zones.some((z) => !isZone(z) || regionOf(z) !== regionOf(location)))
      throw invalidArgument(
        `Invalid value for field "update.desired_locations": ${JSON.stringify(zones)}. Must be zones of ${regionOf(location)}.`,
      );
    if (isZone(location) && !zones.includes(location))
      throw invalidArgument(
        `Invalid value for field "update.desired_locations": ${JSON.stringify(zones)}. It must include the cluster's primary zone "${location}".`,
      );
    const was = cluster.status;
    const apply = () => {
      const c = sim.store.get<Cluster>(CLUSTERS, key);
      if (!c) return;
      for (const pool of c.nodePools) movePool(ctx, project, key, c, pool, zones);
      c.locations = zones;
      c.status = was;
      refreshDerived(c, sim);
    };
    return { apply, reconciling: true };
  });
  return ctx.ops.start({
    project,
    location,
    operationType: 'UPDATE_CLUSTER',
    target: `clusters/${name}`,
    clusterKey: key,
    audit,
    begin: () => {
      if (change.reconciling) cluster.status = 'RECONCILING';
    },
    apply: change.apply,
  });
}

/** Image types GKE Standard offers (https://cloud.google.com/kubernetes-engine/docs/concepts/node-images). */
const IMAGE_TYPES = ['COS_CONTAINERD', 'UBUNTU_CONTAINERD', 'WINDOWS_LTSC_CONTAINERD'];

/**
 * GetServerConfig: the versions and image types of a location. The simulator runs one version,
 * so it is the default, the only valid one and every release channel's
 * (ServerConfig, google/container/v1/cluster_service.proto; ReleaseChannel.Channel RAPID,
 * REGULAR, STABLE, EXTENDED).
 * https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations/getServerConfig
 */
export function serverConfig(): JsonObject {
  return {
    defaultClusterVersion: VERSION,
    validNodeVersions: [VERSION],
    defaultImageType: 'COS_CONTAINERD',
    validImageTypes: IMAGE_TYPES,
    validMasterVersions: [VERSION],
    channels: ['RAPID', 'REGULAR', 'STABLE', 'EXTENDED'].map((channel) => ({
      channel,
      defaultVersion: VERSION,
      validVersions: [VERSION],
      upgradeTargetVersion: VERSION,
    })),
  };
}
