import { randomUUID } from 'node:crypto';
import { overlapCidr } from 'cidr-tools';
import { baseFields } from '../compute/common.ts';
import { createNodeGroup, deleteNodeGroup } from '../compute/index.ts';
import { computeLink, lastSegment, refPath } from '../core/links.ts';
import type { Sim } from '../core/sim.ts';
import type { JsonObject } from '../core/store.ts';
import { freeBlock } from './ranges.ts';

/** Compute routes GKE adds for routes-based clusters (one per node). */
export const ROUTES = 'routes';

/** What a node pool's groups are made from. */
export interface PoolNodes {
  project: string;
  cluster: string;
  /** Cluster id prefix used in node tags `gke-<cluster>-<hash>-node`. */
  clusterHash: string;
  pool: string;
  zones: string[];
  nodesPerZone: number;
  network: string;
  subnetwork?: string;
  machineType?: string;
  /** Routes-based clusters: the pod range each node's /24 comes from (services /20 excluded). */
  routes?: { clusterCidr: string; servicesCidr: string };
}

/**
 * Creates one zonal managed instance group per zone through the Compute part and, for a
 * routes-based cluster, a route per node sending its pod /24 to the node
 * (https://cloud.google.com/kubernetes-engine/docs/how-to/routes-based-cluster: "each node is
 * allocated a /24 ... a custom static route is created for each node"). Returns the instance
 * group manager URLs for `instanceGroupUrls`.
 */
export function createPoolNodes(sim: Sim, spec: PoolNodes): { urls: string[]; nodes: NodeFact[] } {
  const urls: string[] = [];
  const nodes: NodeFact[] = [];
  for (const zone of spec.zones) {
    const group = createNodeGroup(sim, {
      project: spec.project,
      zone,
      cluster: spec.cluster,
      nodePool: spec.pool,
      nodeCount: spec.nodesPerZone,
      network: spec.network,
      ...(spec.subnetwork ? { subnetwork: spec.subnetwork } : {}),
      clusterHash: spec.clusterHash,
      ...(spec.machineType ? { machineType: spec.machineType } : {}),
    });
    urls.push(group.instanceGroupManagerUrl);
    for (const instance of group.instances) {
      const podCidr = spec.routes ? addNodeRoute(sim, spec, instance) : undefined;
      const vm = sim.store.get<JsonObject>('instances', refPath(instance, spec.project));
      const nic = ((vm?.networkInterfaces as JsonObject[] | undefined) ?? [])[0];
      nodes.push({
        name: lastSegment(instance),
        zone,
        ...(typeof nic?.networkIP === 'string' ? { internalIp: nic.networkIP } : {}),
        ...(podCidr ? { podCidr } : {}),
      });
    }
  }
  return { urls, nodes };
}

/** A node as the Kubernetes side needs it. */
export interface NodeFact {
  /** Instance name, which is also the Node name. */
  name: string;
  zone: string;
  internalIp?: string;
  /** Routes-based clusters: the /24 routed to the node. */
  podCidr?: string;
}

function addNodeRoute(sim: Sim, spec: PoolNodes, instance: string): string | undefined {
  const { clusterCidr, servicesCidr } = spec.routes ?? { clusterCidr: '', servicesCidr: '' };
  const network = computeLink(refPath(spec.network, spec.project));
  const taken = [
    servicesCidr,
    ...sim.store
      .list<JsonObject>(ROUTES, `projects/${spec.project}/global/routes/`)
      .filter((r) => r.network === network)
      .map((r) => String(r.destRange)),
  ];
  const destRange = freeBlock(clusterCidr, 24, taken);
  if (!destRange) return undefined; // the pod range is full: GKE leaves the node without pods
  const name = `gke-${spec.cluster}-${spec.clusterHash}-${randomUUID()}`
    .slice(0, 63)
    .replace(/-+$/, '');
  const key = `projects/${spec.project}/global/routes/${name}`;
  sim.store.put(ROUTES, key, {
    ...baseFields(sim, 'compute#route', key, name),
    description: 'k8s-node-route',
    network,
    destRange,
    priority: 1000,
    nextHopInstance: instance,
  });
  return destRange;
}

/** Removes a pool's instance groups (with their instances) and its nodes' routes; returns the node names. */
export function deletePoolNodes(
  sim: Sim,
  project: string,
  instanceGroupUrls: readonly string[],
): string[] {
  const removed: string[] = [];
  for (const url of instanceGroupUrls) {
    const path = refPath(url, project);
    const zone = /\/zones\/([^/]+)\//.exec(path)?.[1];
    if (!zone) continue;
    const name = lastSegment(path);
    const ig = sim.store.get<JsonObject>(
      'instanceGroups',
      `projects/${project}/zones/${zone}/instanceGroups/${name}`,
    );
    const members = new Set((ig?.members as string[] | undefined) ?? []);
    for (const [key, route] of sim.store.entries<JsonObject>(
      ROUTES,
      `projects/${project}/global/routes/`,
    )) {
      if (members.has(String(route.nextHopInstance))) sim.store.delete(ROUTES, key);
    }
    for (const m of members) removed.push(lastSegment(m));
    if (ig) deleteNodeGroup(sim, { project, zone, name });
  }
  return removed;
}

/** Pod ranges of other routes-based clusters and subnets in use, for picking a free /14. */
export function takenRanges(sim: Sim, networkUrl: string): string[] {
  const subnets = sim.store
    .list<JsonObject>('subnetworks')
    .filter((s) => s.network === networkUrl)
    .flatMap((s) => [
      String(s.ipCidrRange),
      ...((s.secondaryIpRanges as JsonObject[] | undefined) ?? []).map((r) =>
        String(r.ipCidrRange),
      ),
    ]);
  const clusters = sim.store
    .list<JsonObject>('containerClusters')
    .filter((c) => (c.networkConfig as JsonObject | undefined)?.network === refPath(networkUrl, ''))
    .flatMap((c) => [String(c.clusterIpv4Cidr ?? ''), String(c.servicesIpv4Cidr ?? '')])
    .filter((r) => r !== '');
  return [...subnets, ...clusters].filter((r) => {
    try {
      return overlapCidr(r, r);
    } catch {
      return false;
    }
  });
}
