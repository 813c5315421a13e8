import { createHash, randomBytes } from 'node:crypto';
import { ApiError, alreadyExists, notFound } from '../core/errors.ts';
import { ok } from '../core/http.ts';
import { computeLink, refPath } from '../core/links.ts';
import type { Route } from '../core/router.ts';
import type { Sim } from '../core/sim.ts';
import type { JsonObject } from '../core/store.ts';
import { allocateAddress } from './addresses.ts';
import {
  aggregatedReply,
  baseFields,
  listReply,
  mustGet,
  newFingerprint,
  param,
  type Resource,
  route,
  scopeOfKey,
} from './common.ts';
import { compileComputeFilter } from './filter.ts';
import type { Subnetwork } from './ranges.ts';

const IG = 'instanceGroups';
const IGM = 'instanceGroupManagers';
const VM = 'instances';
const AS = 'autoscalers';

/** What {@link createNodeGroup} needs. */
export interface NodeGroupSpec {
  project: string;
  zone: string;
  cluster: string;
  nodePool: string;
  nodeCount: number;
  /** Network and subnetwork (URL or partial) of the cluster; default `global/networks/default`. */
  network?: string;
  subnetwork?: string;
  /**
   * The cluster-wide 8-hex hash in the node tag `gke-<cluster>-<hash>-node` (same for every node
   * pool and zone). Default: derived from project + cluster name.
   */
  clusterHash?: string;
  machineType?: string;
  /** Extra labels on the instances. */
  labels?: Record<string, string>;
}

/** What {@link createNodeGroup} made. */
export interface NodeGroup {
  /** Name shared by the instance group and its manager: `gke-<cluster>-<pool>-<hash>-grp`. */
  name: string;
  /** For GKE's `instanceGroupUrls` (the manager URL, as GKE lists it). */
  instanceGroupManagerUrl: string;
  /** The zonal instance group (what backend services reference). */
  instanceGroupUrl: string;
  /** Network tag of every node: `gke-<cluster>-<clusterHash>-node`. */
  tag: string;
  /** Instance self links. */
  instances: string[];
}

/** The cluster hash used in node tags when none is given. */
export function clusterHashOf(project: string, cluster: string): string {
  return createHash('sha256').update(`${project}/${cluster}`).digest('hex').slice(0, 8);
}

/**
 * Creates a GKE-style node group in one zone: a managed instance group
 * `gke-<cluster>-<pool>-<hash>-grp` (manager + zonal instance group) with `nodeCount` RUNNING
 * instances `gke-<cluster>-<pool>-<hash>-<xxxx>`, each tagged `gke-<cluster>-<clusterHash>-node`
 * and given an internal IP from the subnetwork (when it exists). Writes the store directly, with
 * no Compute operation or audit entry: in GCP these are made by GKE's own service account
 * (https://cloud.google.com/kubernetes-engine/docs/concepts/node-pools,
 * https://cloud.google.com/kubernetes-engine/docs/concepts/firewall-rules for the tag).
 * Throws ApiError alreadyExists when the group exists.
 */
export function createNodeGroup(sim: Sim, spec: NodeGroupSpec): NodeGroup {
  const { project, zone } = spec;
  const poolHash = createHash('sha256')
    .update(`${project}/${zone}/${spec.cluster}/${spec.nodePool}`)
    .digest('hex')
    .slice(0, 8);
  const base = `gke-${spec.cluster}-${spec.nodePool}-${poolHash}`.slice(0, 58).replace(/-+$/, '');
  const name = `${base}-grp`;
  const igKey = `projects/${project}/zones/${zone}/instanceGroups/${name}`;
  const igmKey = `projects/${project}/zones/${zone}/instanceGroupManagers/${name}`;
  if (sim.store.get(IG, igKey)) throw alreadyExists(igKey);
  const tag =
    `gke-${spec.cluster}-${spec.clusterHash ?? clusterHashOf(project, spec.cluster)}-node`.slice(
      0,
      63,
    );
  const zoneUrl = computeLink(`projects/${project}/zones/${zone}`);
  const network = computeLink(refPath(spec.network ?? 'global/networks/default', project));
  const subKey = spec.subnetwork ? refPath(spec.subnetwork, project) : undefined;
  const sub = subKey ? sim.store.get<Subnetwork>('subnetworks', subKey) : undefined;
  const instances: string[] = [];
  for (let i = 0; i < spec.nodeCount; i++) {
    const vmName = `${base}-${randomBytes(2).toString('hex')}`;
    const vmKey = `projects/${project}/zones/${zone}/instances/${vmName}`;
    const nic: JsonObject = { name: 'nic0', network, kind: 'compute#networkInterface' };
    if (subKey) nic.subnetwork = computeLink(subKey);
    if (sub) nic.networkIP = allocateAddress(sim, sub);
    const vm: Resource = {
      ...baseFields(sim, 'compute#instance', vmKey, vmName),
      zone: zoneUrl,
      machineType: computeLink(
        `projects/${project}/zones/${zone}/machineTypes/${spec.machineType ?? 'e2-medium'}`,
      ),
      status: 'RUNNING',
      tags: { items: [tag], fingerprint: newFingerprint() },
      labels: { 'goog-gke-node': '', ...spec.labels },
      networkInterfaces: [nic],
      metadata: {
        kind: 'compute#metadata',
        items: [
          { key: 'cluster-name', value: spec.cluster },
          {
            key: 'created-by',
            value: `projects/${project}/zones/${zone}/instanceGroupManagers/${name}`,
          },
        ],
      },
    };
    sim.store.put(VM, vmKey, vm);
    instances.push(vm.selfLink);
  }
  const ig: Resource = {
    ...baseFields(sim, 'compute#instanceGroup', igKey, name),
    zone: zoneUrl,
    network,
    size: spec.nodeCount,
    fingerprint: newFingerprint(),
    description: `This instance group is controlled by Instance Group Manager '${name}'. To modify instances in this group, use the Instance Group Manager API: https://cloud.google.com/compute/docs/reference/latest/instanceGroupManagers`,
    members: instances,
  };
  if (subKey) ig.subnetwork = computeLink(subKey);
  sim.store.put(IG, igKey, ig);
  const igm: Resource = {
    ...baseFields(sim, 'compute#instanceGroupManager', igmKey, name),
    zone: zoneUrl,
    baseInstanceName: base,
    instanceGroup: ig.selfLink,
    instanceTemplate: computeLink(`projects/${project}/global/instanceTemplates/${base}`),
    targetSize: spec.nodeCount,
    currentActions: {
      none: spec.nodeCount,
      creating: 0,
      deleting: 0,
      recreating: 0,
      refreshing: 0,
      restarting: 0,
      abandoning: 0,
      verifying: 0,
      creatingWithoutRetries: 0,
      resuming: 0,
      starting: 0,
      stopping: 0,
      suspending: 0,
    },
    status: { isStable: true },
    fingerprint: newFingerprint(),
    updatePolicy: { type: 'OPPORTUNISTIC' },
  };
  sim.store.put(IGM, igmKey, igm);
  return {
    name,
    instanceGroupManagerUrl: igm.selfLink,
    instanceGroupUrl: ig.selfLink,
    tag,
    instances,
  };
}

/** Deletes a node group (manager, group and its instances). Throws notFound when absent. */
export function deleteNodeGroup(
  sim: Sim,
  ref: { project: string; zone: string; name: string },
): void {
  const igKey = `projects/${ref.project}/zones/${ref.zone}/instanceGroups/${ref.name}`;
  const ig = sim.store.get<Resource>(IG, igKey);
  if (!ig) throw notFound(igKey);
  for (const url of (ig.members as string[] | undefined) ?? [])
    sim.store.delete(VM, refPath(url, ''));
  sim.store.delete(IG, igKey);
  sim.store.delete(
    IGM,
    `projects/${ref.project}/zones/${ref.zone}/instanceGroupManagers/${ref.name}`,
  );
}

/**
 * Refuses a backend service whose groups (`groups`, store keys) hold an instance that is also in
 * another group some other backend service uses: "an instance can belong to only one
 * load-balanced instance group" (https://cloud.google.com/load-balancing/docs/backend-service#restrictions_and_guidance,
 * https://cloud.google.com/compute/docs/instance-groups/creating-groups-of-unmanaged-instances#addinstances).
 * The same group in several backend services is allowed. Compute's answer, as users of GKE's
 * ingress and service controllers quote it: 400 "Validation failed for instance '<instance>':
 * instance may belong to at most one load-balanced instance group.", reason
 * instanceInMultipleLoadBalancedIgs.
 */
export function refuseInstancesInOtherGroups(
  sim: Sim,
  selfLink: string,
  groups: readonly string[],
): void {
  const mine = new Set(groups);
  const members = (key: string): string[] =>
    ((sim.store.get<Resource>(IG, key)?.members as string[] | undefined) ?? []).map((m) =>
      refPath(m, ''),
    );
  const held = new Set<string>();
  for (const bs of sim.store.list<Resource>('backendServices')) {
    if (bs.selfLink === selfLink) continue;
    for (const b of (bs.backends as JsonObject[] | undefined) ?? []) {
      const key = refPath(String(b.group ?? ''), '');
      if (!mine.has(key)) for (const m of members(key)) held.add(m);
    }
  }
  for (const key of groups) {
    const shared = members(key).find((m) => held.has(m));
    if (shared)
      throw new ApiError(
        400,
        'instanceInMultipleLoadBalancedIgs',
        `Validation failed for instance '${shared}': instance may belong to at most one load-balanced instance group.`,
      );
  }
}

/**
 * Read routes for instances, zonal instance groups (with listInstances and the aggregated list)
 * and instance group managers (https://cloud.google.com/compute/docs/reference/rest/v1/instanceGroups).
 */
export function groupRoutes(sim: Sim): Route[] {
  const zonePrefix = (p: string, z: string, c: string) => `projects/${p}/zones/${z}/${c}`;
  const publicIg = (ig: Resource): JsonObject => {
    const { members: _m, ...rest } = ig;
    return rest;
  };
  return [
    route('GET', 'zones/{zone}/instances', VM, 'list', 'read', (req) => {
      const prefix = zonePrefix(param(req, 'project'), param(req, 'zone'), VM);
      return listReply(req, 'compute#instanceList', prefix, sim.store.list(VM, `${prefix}/`));
    }),
    route('GET', 'zones/{zone}/instances/{instance}', VM, 'get', 'read', (req) =>
      ok(
        mustGet(
          sim,
          VM,
          `${zonePrefix(param(req, 'project'), param(req, 'zone'), VM)}/${param(req, 'instance')}`,
        ),
      ),
    ),
    route('GET', 'zones/{zone}/instanceGroups', IG, 'list', 'read', (req) => {
      const prefix = zonePrefix(param(req, 'project'), param(req, 'zone'), IG);
      return listReply(
        req,
        'compute#instanceGroupList',
        prefix,
        sim.store.list<Resource>(IG, `${prefix}/`).map(publicIg),
      );
    }),
    route('GET', 'zones/{zone}/instanceGroups/{instanceGroup}', IG, 'get', 'read', (req) =>
      ok(
        publicIg(
          mustGet(
            sim,
            IG,
            `${zonePrefix(param(req, 'project'), param(req, 'zone'), IG)}/${param(req, 'instanceGroup')}`,
          ),
        ),
      ),
    ),
    route(
      'POST',
      'zones/{zone}/instanceGroups/{instanceGroup}/listInstances',
      IG,
      'listInstances',
      'read',
      (req) => {
        const key = `${zonePrefix(param(req, 'project'), param(req, 'zone'), IG)}/${param(req, 'instanceGroup')}`;
        const ig = mustGet(sim, IG, key);
        const state = String((req.body as JsonObject | undefined)?.instanceState ?? 'ALL');
        const items = ((ig.members as string[] | undefined) ?? [])
          .map((url) => sim.store.get<Resource>(VM, refPath(url, '')))
          .filter((vm): vm is Resource => vm !== undefined)
          .filter((vm) => state !== 'RUNNING' || vm.status === 'RUNNING')
          .map((vm) => ({ instance: vm.selfLink, status: String(vm.status) }));
        return listReply(req, 'compute#instanceGroupsListInstances', `${key}/listInstances`, items);
      },
    ),
    // aggregatedList of instances, instance groups and managers, by zone
    // (https://cloud.google.com/compute/docs/reference/rest/v1/instances/aggregatedList,
    // .../instanceGroups/aggregatedList, .../instanceGroupManagers/aggregatedList).
    ...(
      [
        [VM, 'compute#instanceAggregatedList', ['zones'], (r: Resource) => r],
        [IG, 'compute#instanceGroupAggregatedList', ['zones', 'regions'], publicIg],
        [
          IGM,
          'compute#instanceGroupManagerAggregatedList',
          ['zones', 'regions'],
          (r: Resource) => r,
        ],
      ] as const
    ).map(([collection, kind, types, view]) =>
      route('GET', `aggregated/${collection}`, collection, 'aggregatedList', 'read', (req) =>
        aggregatedReply(sim, req, {
          kind,
          collection,
          types,
          items: sim.store
            .entries<Resource>(collection, `projects/${param(req, 'project')}/`)
            .map(([key, r]) => [scopeOfKey(key), view(r)] as const),
        }),
      ),
    ),
    // https://cloud.google.com/compute/docs/reference/rest/v1/instanceGroupManagers/listManagedInstances:
    // each instance with its currentAction (NONE: running, nothing scheduled), status and the
    // template version it runs.
    route(
      'POST',
      'zones/{zone}/instanceGroupManagers/{instanceGroupManager}/listManagedInstances',
      IGM,
      'listManagedInstances',
      'read',
      (req) => {
        const project = param(req, 'project');
        const zone = param(req, 'zone');
        const igm = mustGet(
          sim,
          IGM,
          `${zonePrefix(project, zone, IGM)}/${param(req, 'instanceGroupManager')}`,
        );
        const ig = sim.store.get<Resource>(IG, refPath(String(igm.instanceGroup ?? ''), project));
        const filter = compileComputeFilter(req.query.get('filter'));
        const managedInstances = ((ig?.members as string[] | undefined) ?? [])
          .map((url) => sim.store.get<Resource>(VM, refPath(url, '')))
          .filter((vm): vm is Resource => vm !== undefined)
          .map(
            (vm): JsonObject => ({
              instance: vm.selfLink,
              id: vm.id,
              name: vm.name,
              instanceStatus: String(vm.status),
              currentAction: 'NONE',
              version: { instanceTemplate: String(igm.instanceTemplate ?? '') },
            }),
          )
          .filter(filter);
        return ok(managedInstances.length > 0 ? { managedInstances } : {});
      },
    ),
    // GKE's node pools scale with the cluster autoscaler, not Compute autoscalers, so there are
    // none (https://cloud.google.com/kubernetes-engine/docs/concepts/cluster-autoscaler);
    // https://cloud.google.com/compute/docs/reference/rest/v1/autoscalers.
    route('GET', 'zones/{zone}/autoscalers', AS, 'list', 'read', (req) => {
      const prefix = zonePrefix(param(req, 'project'), param(req, 'zone'), AS);
      return listReply(req, 'compute#autoscalerList', prefix, sim.store.list(AS, `${prefix}/`));
    }),
    route('GET', 'zones/{zone}/autoscalers/{autoscaler}', AS, 'get', 'read', (req) =>
      ok(
        mustGet(
          sim,
          AS,
          `${zonePrefix(param(req, 'project'), param(req, 'zone'), AS)}/${param(req, 'autoscaler')}`,
        ),
      ),
    ),
    route('GET', 'aggregated/autoscalers', AS, 'aggregatedList', 'read', (req) =>
      aggregatedReply(sim, req, {
        kind: 'compute#autoscalerAggregatedList',
        collection: AS,
        types: ['zones', 'regions'],
        items: sim.store
          .entries<Resource>(AS, `projects/${param(req, 'project')}/`)
          .map(([key, r]) => [scopeOfKey(key), r] as const),
      }),
    ),
    route('GET', 'zones/{zone}/instanceGroupManagers', IGM, 'list', 'read', (req) => {
      const prefix = zonePrefix(param(req, 'project'), param(req, 'zone'), IGM);
      return listReply(
        req,
        'compute#instanceGroupManagerList',
        prefix,
        sim.store.list(IGM, `${prefix}/`),
      );
    }),
    route(
      'GET',
      'zones/{zone}/instanceGroupManagers/{instanceGroupManager}',
      IGM,
      'get',
      'read',
      (req) =>
        ok(
          mustGet(
            sim,
            IGM,
            `${zonePrefix(param(req, 'project'), param(req, 'zone'), IGM)}/${param(req, 'instanceGroupManager')}`,
          ),
        ),
    ),
  ];
}
