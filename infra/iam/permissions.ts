/**
 * Which IAM permissions each API method needs, and from it the two custom roles.
 *
 * Methods are named as the simulator names them in `/__sim/stats` (`compute.<collection>.<verb>`
 * for Compute, `container.<collection>.<verb>` for GKE), so a test can map every call a scenario
 * made to its permission. Sources, per method: the "IAM Permissions" section of each REST
 * reference page (https://cloud.google.com/compute/docs/reference/rest/v1/<collection>/<method>),
 * https://cloud.google.com/compute/docs/access/iam-permissions, and for GKE
 * https://cloud.google.com/kubernetes-engine/docs/reference/api-permissions (node pool
 * mutations are authorised as `container.clusters.update`).
 *
 * Creating or changing a resource that references another needs a `use` permission on the
 * referenced one (a backend service uses its health check and instance groups, a forwarding
 * rule its backend service, network and subnetwork; firewall rules change the network's policy).
 */

/** API method (simulator name) → the permissions one call needs. `wait` is authorised as `get`. */
export const METHOD_PERMISSIONS: Readonly<Record<string, readonly string[]>> = {
  // Operations: every Compute mutation is followed by polling its operation.
  'compute.globalOperations.get': ['compute.globalOperations.get'],
  'compute.globalOperations.wait': ['compute.globalOperations.get'],
  'compute.regionOperations.get': ['compute.regionOperations.get'],
  'compute.regionOperations.wait': ['compute.regionOperations.get'],
  'compute.zoneOperations.get': ['compute.zoneOperations.get'],
  'compute.zoneOperations.wait': ['compute.zoneOperations.get'],
  'compute.globalOperations.list': ['compute.globalOperations.list'],
  'compute.regionOperations.list': ['compute.regionOperations.list'],
  'compute.zoneOperations.list': ['compute.zoneOperations.list'],
  'compute.globalOperations.delete': ['compute.globalOperations.delete'],
  'compute.regionOperations.delete': ['compute.regionOperations.delete'],
  'compute.zoneOperations.delete': ['compute.zoneOperations.delete'],

  // Networks and peerings.
  'compute.networks.get': ['compute.networks.get'],
  'compute.networks.list': ['compute.networks.list'],
  'compute.networks.listPeeringRoutes': ['compute.networks.listPeeringRoutes'],
  'compute.networks.insert': ['compute.networks.create'],
  'compute.networks.patch': ['compute.networks.update'],
  'compute.networks.delete': ['compute.networks.delete'],
  'compute.networks.addPeering': ['compute.networks.addPeering'],
  'compute.networks.updatePeering': ['compute.networks.updatePeering'],
  'compute.networks.removePeering': ['compute.networks.removePeering'],

  // Subnetworks.
  'compute.subnetworks.get': ['compute.subnetworks.get'],
  'compute.subnetworks.list': ['compute.subnetworks.list'],
  'compute.subnetworks.aggregatedList': ['compute.subnetworks.list'],
  'compute.subnetworks.insert': ['compute.subnetworks.create', 'compute.networks.updatePolicy'],
  'compute.subnetworks.patch': ['compute.subnetworks.update'],
  'compute.subnetworks.expandIpCidrRange': ['compute.subnetworks.expandIpCidrRange'],
  'compute.subnetworks.delete': ['compute.subnetworks.delete', 'compute.networks.updatePolicy'],

  // Routes (the routes-based clusters' pod routes).
  'compute.routes.get': ['compute.routes.get'],
  'compute.routes.list': ['compute.routes.list'],
  'compute.routes.insert': ['compute.routes.create', 'compute.networks.updatePolicy'],
  'compute.routes.delete': ['compute.routes.delete', 'compute.networks.updatePolicy'],

  // Firewall rules: writes change the network's policy too.
  'compute.firewalls.get': ['compute.firewalls.get'],
  'compute.firewalls.list': ['compute.firewalls.list'],
  'compute.firewalls.insert': ['compute.firewalls.create', 'compute.networks.updatePolicy'],
  'compute.firewalls.patch': ['compute.firewalls.update', 'compute.networks.updatePolicy'],
  'compute.firewalls.update': ['compute.firewalls.update', 'compute.networks.updatePolicy'],
  'compute.firewalls.delete': ['compute.firewalls.delete', 'compute.networks.updatePolicy'],

  // Internal passthrough load balancer: health check ← backend service ← forwarding rule.
  'compute.regionHealthChecks.get': ['compute.regionHealthChecks.get'],
  'compute.regionHealthChecks.list': ['compute.regionHealthChecks.list'],
  'compute.regionHealthChecks.insert': ['compute.regionHealthChecks.create'],
  'compute.regionHealthChecks.patch': ['compute.regionHealthChecks.update'],
  'compute.regionHealthChecks.update': ['compute.regionHealthChecks.update'],
  'compute.regionHealthChecks.delete': ['compute.regionHealthChecks.delete'],
  'compute.regionBackendServices.get': ['compute.regionBackendServices.get'],
  'compute.regionBackendServices.list': ['compute.regionBackendServices.list'],
  'compute.regionBackendServices.insert': [
    'compute.regionBackendServices.create',
    'compute.regionHealthChecks.useReadOnly',
    'compute.instanceGroups.use',
  ],
  'compute.regionBackendServices.patch': [
    'compute.regionBackendServices.update',
    'compute.regionHealthChecks.useReadOnly',
    'compute.instanceGroups.use',
  ],
  'compute.regionBackendServices.update': [
    'compute.regionBackendServices.update',
    'compute.regionHealthChecks.useReadOnly',
    'compute.instanceGroups.use',
  ],
  'compute.regionBackendServices.delete': ['compute.regionBackendServices.delete'],
  'compute.forwardingRules.get': ['compute.forwardingRules.get'],
  'compute.forwardingRules.list': ['compute.forwardingRules.list'],
  'compute.forwardingRules.insert': [
    'compute.forwardingRules.create',
    'compute.regionBackendServices.use',
    'compute.networks.use',
    'compute.subnetworks.use',
  ],
  'compute.forwardingRules.patch': ['compute.forwardingRules.update'],
  'compute.forwardingRules.delete': ['compute.forwardingRules.delete'],

  // Node pools' instance groups and their nodes (tags).
  'compute.instanceGroups.get': ['compute.instanceGroups.get'],
  'compute.instanceGroups.list': ['compute.instanceGroups.list'],
  'compute.instanceGroups.aggregatedList': ['compute.instanceGroups.list'],
  'compute.instanceGroups.listInstances': ['compute.instanceGroups.get'],
  'compute.instanceGroupManagers.get': ['compute.instanceGroupManagers.get'],
  'compute.instanceGroupManagers.list': ['compute.instanceGroupManagers.list'],
  'compute.instances.get': ['compute.instances.get'],
  'compute.instances.list': ['compute.instances.list'],

  // GKE.
  'container.clusters.get': ['container.clusters.get'],
  'container.clusters.list': ['container.clusters.list'],
  'container.clusters.create': ['container.clusters.create'],
  'container.clusters.delete': ['container.clusters.delete'],
  'container.nodePools.get': ['container.clusters.get'],
  'container.nodePools.list': ['container.clusters.get'],
  'container.nodePools.create': ['container.clusters.update'],
  'container.nodePools.update': ['container.clusters.update'],
  'container.nodePools.delete': ['container.clusters.update'],
  'container.operations.get': ['container.operations.get'],
  'container.operations.list': ['container.operations.list'],
};

/** A permission granted beyond what the table derives from the methods, and why. */
export interface Extra {
  readonly permission: string;
  readonly reason: string;
}

/**
 * What `onAuditLog` and `sweep` call, exactly as the runs in test/infra/iam/roles-from-runs.test.ts
 * record it: observe, then write peerlink's own resources.
 */
export const REACTOR_METHODS: readonly string[] = [
  'compute.firewalls.delete',
  'compute.firewalls.insert',
  'compute.firewalls.list',
  'compute.firewalls.patch',
  'compute.forwardingRules.delete',
  'compute.forwardingRules.insert',
  'compute.forwardingRules.list',
  'compute.forwardingRules.patch',
  'compute.globalOperations.wait',
  'compute.instanceGroups.listInstances',
  'compute.instances.get',
  'compute.networks.get',
  'compute.networks.listPeeringRoutes',
  'compute.regionBackendServices.delete',
  'compute.regionBackendServices.insert',
  'compute.regionBackendServices.list',
  'compute.regionBackendServices.patch',
  'compute.regionHealthChecks.delete',
  'compute.regionHealthChecks.insert',
  'compute.regionHealthChecks.list',
  'compute.regionHealthChecks.patch',
  'compute.regionOperations.wait',
  'container.clusters.get',
];

const KUBE_REASON =
  'Kubernetes API call through GKE IAM (https://cloud.google.com/kubernetes-engine/docs/how-to/iam). ' +
  "The simulated Kubernetes API does not count calls in /__sim/stats, so these cannot be derived from a run; the reactor writes the masquerade agent's DaemonSet and ConfigMaps and the managed backend's Deployment and Service.";

function kube(resource: string, verbs: readonly string[]): Extra[] {
  return verbs.map((verb) => ({
    permission: `container.${resource}.${verb}`,
    reason: KUBE_REASON,
  }));
}

const OBJECT_VERBS = ['get', 'list', 'create', 'update', 'delete'];

/** Kubernetes objects the reactor reads and writes (patch and server-side apply are `update`). */
export const REACTOR_EXTRAS: readonly Extra[] = [
  ...kube('configMaps', OBJECT_VERBS),
  ...kube('daemonSets', OBJECT_VERBS),
  ...kube('deployments', OBJECT_VERBS),
  ...kube('services', OBJECT_VERBS),
  ...kube('namespaces', ['get']),
];

/**
 * What `bootstrap` calls, as the runs record it: networks, subnets, both peering sides and
 * clusters, then the same firewall rules and ILB the reactor manages.
 */
export const BOOTSTRAP_METHODS: readonly string[] = [
  'compute.firewalls.insert',
  'compute.firewalls.list',
  'compute.firewalls.patch',
  'compute.forwardingRules.insert',
  'compute.forwardingRules.list',
  'compute.globalOperations.wait',
  'compute.instanceGroups.listInstances',
  'compute.instances.get',
  'compute.networks.addPeering',
  'compute.networks.get',
  'compute.networks.insert',
  'compute.networks.listPeeringRoutes',
  'compute.regionBackendServices.insert',
  'compute.regionBackendServices.list',
  'compute.regionHealthChecks.insert',
  'compute.regionHealthChecks.list',
  'compute.regionOperations.wait',
  'compute.subnetworks.get',
  'compute.subnetworks.insert',
  'container.clusters.create',
  'container.clusters.get',
  'container.nodePools.get',
  'container.operations.get',
];

export const BOOTSTRAP_EXTRAS: readonly Extra[] = [
  ...REACTOR_EXTRAS,
  {
    permission: 'container.clusters.update',
    reason:
      "A node pool beyond a cluster's first is created with nodePools.create, which GKE authorises as container.clusters.update. The example topology has one pool per cluster, so the recorded runs create every pool with its cluster and never make that call.",
  },
  {
    permission: 'iam.serviceAccounts.actAs',
    reason:
      'Creating a GKE cluster or node pool attaches a service account to the nodes (the Compute Engine default one unless the topology names another); GKE checks that the caller may act as it. The simulator does not model this check, so no call shows it.',
  },
];

/** Thrown when a role names a method the table does not map: the table must be completed. */
export class UnknownMethodError extends Error {}

/** The sorted, de-duplicated permissions that `methods` need, plus the extras. */
export function permissionsFor(methods: readonly string[], extras: readonly Extra[]): string[] {
  const out = new Set<string>();
  for (const m of methods) {
    const perms = METHOD_PERMISSIONS[m];
    if (perms === undefined) throw new UnknownMethodError(`no IAM permission known for ${m}`);
    for (const p of perms) out.add(p);
  }
  for (const e of extras) out.add(e.permission);
  return [...out].sort();
}

/** A project-level custom role. */
export interface CustomRole {
  /** Role id: letters, digits, `_` and `.` only (https://cloud.google.com/iam/docs/creating-custom-roles). */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly permissions: readonly string[];
}

export const REACTOR_ROLE: CustomRole = {
  id: 'peerlinkReactor',
  title: 'peerlink reactor',
  description:
    'managed-by=peerlink. onAuditLog and sweep: read networks, clusters and node groups; write peerlink-owned firewall rules, ILB parts and Kubernetes objects.',
  permissions: permissionsFor(REACTOR_METHODS, REACTOR_EXTRAS),
};

export const BOOTSTRAP_ROLE: CustomRole = {
  id: 'peerlinkBootstrap',
  title: 'peerlink bootstrap',
  description:
    'managed-by=peerlink. bootstrap: create the networks, subnets, peerings, clusters and node pools of the topology.',
  permissions: permissionsFor(BOOTSTRAP_METHODS, BOOTSTRAP_EXTRAS),
};
