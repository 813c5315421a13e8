import { randomBytes, randomUUID } from 'node:crypto';
import { overlapCidr } from 'cidr-tools';
import { allocateAddress } from '../compute/addresses.ts';
import { baseFields, newFingerprint } from '../compute/common.ts';
import { createNodeGroup, deleteNodeGroup } from '../compute/index.ts';
import type { Subnetwork } from '../compute/ranges.ts';
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
  /** The cluster's resourceLabels, which GKE sets on the Compute resources it makes. */
  labels?: Record<string, string>;
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
      ...(spec.labels ? { labels: spec.labels } : {}),
    });
    urls.push(group.instanceGroupManagerUrl);
    for (const instance of group.instances) nodes.push(nodeFact(sim, spec, zone, instance));
  }
  return { urls, nodes };
}

/** A new instance's Node facts; a routes-based cluster routes a /24 to it first. */
function nodeFact(sim: Sim, spec: PoolNodes, zone: string, instance: string): NodeFact {
  const podCidr = spec.routes ? addNodeRoute(sim, spec, instance) : undefined;
  const vm = sim.store.get<JsonObject>('instances', refPath(instance, spec.project));
  const nic = ((vm?.networkInterfaces as JsonObject[] | undefined) ?? [])[0];
  return {
    name: lastSegment(instance),
    zone,
    ...(typeof nic?.networkIP === 'string' ? { internalIp: nic.networkIP } : {}),
    ...(podCidr ? { podCidr } : {}),
  };
}

/** Zone of a zonal resource URL or path. */
export function zoneOf(url: string): string {
  return /\/zones\/([^/]+)\//.exec(url)?.[1] ?? '';
}

/**
 * Resizes each managed group to `size` instances, as SetNodePoolSize does ("the new size will
 * be used for all replicas",
 * https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters.nodePools/setSize).
 * A manager makes new instances from its template, so a new one is a copy of a member with its
 * own name, id and address; an empty group is made again with `size` instances, keeping the
 * group's and manager's identity. Shrinking removes members (and their node routes). Returns
 * the added nodes and the names of the removed ones.
 */
export function resizePoolNodes(
  sim: Sim,
  spec: PoolNodes,
  instanceGroupUrls: readonly string[],
  size: number,
): { added: NodeFact[]; removed: string[] } {
  const added: NodeFact[] = [];
  const removed: string[] = [];
  for (const url of instanceGroupUrls) {
    const zone = zoneOf(refPath(url, spec.project));
    const name = lastSegment(url);
    const igKey = `projects/${spec.project}/zones/${zone}/instanceGroups/${name}`;
    const igmKey = `projects/${spec.project}/zones/${zone}/instanceGroupManagers/${name}`;
    let ig = sim.store.get<JsonObject>('instanceGroups', igKey);
    let igm = sim.store.get<JsonObject>('instanceGroupManagers', igmKey);
    if (!ig || !igm) continue;
    const members = (ig.members as string[] | undefined) ?? [];
    if (members.length > size) {
      const gone = members.slice(size);
      dropRoutes(sim, spec.project, new Set(gone));
      for (const vm of gone) sim.store.delete('instances', refPath(vm, spec.project));
      removed.push(...gone.map((m) => lastSegment(m)));
      ig.members = members.slice(0, size);
    } else if (members.length === 0 && size > 0) {
      const kept = { ig: pick(ig), igm: pick(igm) };
      deleteNodeGroup(sim, { project: spec.project, zone, name });
      const group = createNodeGroup(sim, {
        project: spec.project,
        zone,
        cluster: spec.cluster,
        nodePool: spec.pool,
        nodeCount: size,
        network: spec.network,
        ...(spec.subnetwork ? { subnetwork: spec.subnetwork } : {}),
        clusterHash: spec.clusterHash,
        ...(spec.machineType ? { machineType: spec.machineType } : {}),
        ...(spec.labels ? { labels: spec.labels } : {}),
      });
      ig = Object.assign(sim.store.get<JsonObject>('instanceGroups', igKey) ?? {}, kept.ig);
      igm = Object.assign(
        sim.store.get<JsonObject>('instanceGroupManagers', igmKey) ?? {},
        kept.igm,
      );
      for (const instance of group.instances) added.push(nodeFact(sim, spec, zone, instance));
    } else if (members.length < size) {
      const next = [...members];
      for (let i = members.length; i < size; i++) {
        const instance = cloneMember(
          sim,
          spec.project,
          String(igm.baseInstanceName),
          members[0] ?? '',
        );
        next.push(instance);
        added.push(nodeFact(sim, spec, zone, instance));
      }
      ig.members = next;
    }
    ig.size = size;
    ig.fingerprint = newFingerprint();
    igm.targetSize = size;
    igm.currentActions = { ...(igm.currentActions as JsonObject | undefined), none: size };
  }
  return { added, removed };
}

/** The identity a remade group keeps. */
function pick(o: JsonObject): JsonObject {
  return { id: o.id ?? null, creationTimestamp: o.creationTimestamp ?? null };
}

/** A new instance made like `sibling`: own name, id, selfLink and internal address. */
function cloneMember(sim: Sim, project: string, base: string, sibling: string): string {
  const from = sim.store.get<JsonObject>('instances', refPath(sibling, project));
  if (!from) throw new Error(`instance ${sibling} is missing from its group`);
  const zone = zoneOf(refPath(sibling, project));
  let name = '';
  for (let i = 0; i < 100 && (name === '' || sim.store.get('instances', keyOf(name))); i++)
    name = `${base}-${randomBytes(2).toString('hex')}`;
  function keyOf(n: string): string {
    return `projects/${project}/zones/${zone}/instances/${n}`;
  }
  const vm = structuredClone(from);
  Object.assign(vm, baseFields(sim, 'compute#instance', keyOf(name), name));
  for (const nic of (vm.networkInterfaces as JsonObject[] | undefined) ?? []) {
    if (typeof nic.subnetwork !== 'string') continue;
    const sub = sim.store.get<Subnetwork>('subnetworks', refPath(nic.subnetwork, project));
    if (sub) nic.networkIP = allocateAddress(sim, sub);
  }
  sim.store.put('instances', keyOf(name), vm);
  return String(vm.selfLink);
}

/** Removes the node routes whose next hop is one of `instances`. */
function dropRoutes(sim: Sim, project: string, instances: ReadonlySet<string>): void {
  for (const [key, route] of sim.store.entries<JsonObject>(
    ROUTES,
    `projects/${project}/global/routes/`,
  )) {
    if (instances.has(String(route.nextHopInstance))) sim.store.delete(ROUTES, key);
  }
}

/** Sets the cluster's resourceLabels on its instances, replacing the ones it set before. */
export function relabelInstances(
  sim: Sim,
  project: string,
  instanceGroupUrls: readonly string[],
  before: Record<string, string>,
  after: Record<string, string>,
): void {
  for (const url of instanceGroupUrls) {
    const path = refPath(url, project);
    const ig = sim.store.get<JsonObject>(
      'instanceGroups',
      `projects/${project}/zones/${zoneOf(path)}/instanceGroups/${lastSegment(path)}`,
    );
    for (const m of (ig?.members as string[] | undefined) ?? []) {
      const vm = sim.store.get<JsonObject>('instances', refPath(m, project));
      if (!vm) continue;
      const labels = { ...(vm.labels as Record<string, string> | undefined) };
      for (const k of Object.keys(before)) delete labels[k];
      vm.labels = { ...labels, ...after };
    }
  }
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
    dropRoutes(sim, project, members);
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
