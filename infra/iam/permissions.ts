/**
 * Which IAM permissions each API method needs, and from it the two custom roles.
 *
 * Methods are named as the simulator names them (`compute.<collection>.<verb>` and
 * `container.<collection>.<verb>` as in `/__sim/stats`, `kubernetes.<resource>.<verb>` for the
 * Kubernetes API as in `/__sim/iam`), so a test can hold every call a run made against its row.
 * Each row names its source in a trailing comment:
 * - `rest:<collection>/<method>`: the "IAM Permissions" section of
 *   https://cloud.google.com/compute/docs/reference/rest/v1/<collection>/<method>, all of the
 *   permissions listed (a patch reads before it writes, so it lists `get` too);
 * - `vpc-audit`: https://cloud.google.com/vpc/docs/audit-logging (per-method permissions);
 * - `gcloud:<command>`: the required permission in that command's help,
 *   https://cloud.google.com/sdk/gcloud/reference/<command>;
 * - `gke`: https://cloud.google.com/kubernetes-engine/docs/reference/api-permissions;
 * - `gke-rest:<page>`: https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/<page>;
 * - `gke-iam`: https://cloud.google.com/iam/docs/roles-permissions/container, GKE's
 *   `container.<kind>.<verb>` permissions for the Kubernetes API: create, delete, get, list and
 *   update per kind, none for patch, so a patch is authorised as update.
 * test/infra/iam/agreement.test.ts holds this table against the simulator's own, written apart.
 *
 * Creating or changing a resource that references another may also need a `use` permission on
 * the referenced one; where a method's page does not list it, it is a role extra with its reason.
 */

/** API method → the permissions one call needs, all of them. `wait` is authorised as `get`. */
export const METHOD_PERMISSIONS: Readonly<Record<string, readonly string[]>> = {
  // Operations: every Compute mutation is followed by polling its operation.
  'compute.globalOperations.get': ['compute.globalOperations.get'], // rest:globalOperations/get
  'compute.globalOperations.wait': ['compute.globalOperations.get'], // rest:globalOperations/wait
  'compute.globalOperations.list': ['compute.globalOperations.list'], // rest:globalOperations/list
  'compute.globalOperations.aggregatedList': ['compute.globalOperations.list'], // rest:globalOperations/aggregatedList
  'compute.globalOperations.delete': ['compute.globalOperations.delete'], // rest:globalOperations/delete
  'compute.regionOperations.get': ['compute.regionOperations.get'], // rest:regionOperations/get
  'compute.regionOperations.wait': ['compute.regionOperations.get'], // rest:regionOperations/wait
  'compute.regionOperations.list': ['compute.regionOperations.list'], // rest:regionOperations/list
  'compute.regionOperations.delete': ['compute.regionOperations.delete'], // rest:regionOperations/delete
  'compute.zoneOperations.get': ['compute.zoneOperations.get'], // rest:zoneOperations/get
  'compute.zoneOperations.wait': ['compute.zoneOperations.get'], // rest:zoneOperations/wait
  'compute.zoneOperations.list': ['compute.zoneOperations.list'], // rest:zoneOperations/list
  'compute.zoneOperations.delete': ['compute.zoneOperations.delete'], // rest:zoneOperations/delete

  // Networks and peerings.
  'compute.networks.get': ['compute.networks.get'], // rest:networks/get
  'compute.networks.list': ['compute.networks.list'], // rest:networks/list
  'compute.networks.listPeeringRoutes': ['compute.networks.listPeeringRoutes'], // rest:networks/listPeeringRoutes
  'compute.networks.insert': ['compute.networks.create'], // rest:networks/insert
  'compute.networks.patch': ['compute.networks.get', 'compute.networks.update'], // rest:networks/patch
  'compute.networks.delete': ['compute.networks.delete'], // rest:networks/delete
  'compute.networks.addPeering': ['compute.networks.addPeering'], // rest:networks/addPeering
  'compute.networks.updatePeering': ['compute.networks.updatePeering'], // rest:networks/updatePeering
  'compute.networks.removePeering': ['compute.networks.removePeering'], // rest:networks/removePeering

  // Subnetworks.
  'compute.subnetworks.get': ['compute.subnetworks.get'], // rest:subnetworks/get
  'compute.subnetworks.list': ['compute.subnetworks.list'], // rest:subnetworks/list
  'compute.subnetworks.aggregatedList': ['compute.subnetworks.list'], // rest:subnetworks/aggregatedList
  'compute.subnetworks.insert': ['compute.subnetworks.create'], // rest:subnetworks/insert
  'compute.subnetworks.patch': ['compute.subnetworks.get', 'compute.subnetworks.update'], // rest:subnetworks/patch
  'compute.subnetworks.expandIpCidrRange': ['compute.subnetworks.expandIpCidrRange'], // rest:subnetworks/expandIpCidrRange
  'compute.subnetworks.delete': ['compute.subnetworks.delete'], // rest:subnetworks/delete
  'compute.subnetworks.setPrivateIpGoogleAccess': ['compute.subnetworks.setPrivateIpGoogleAccess'], // rest:subnetworks/setPrivateIpGoogleAccess

  // Routes (the routes-based clusters' pod routes).
  'compute.routes.get': ['compute.routes.get'], // rest:routes/get
  'compute.routes.list': ['compute.routes.list'], // rest:routes/list
  'compute.routes.insert': ['compute.networks.updatePolicy', 'compute.routes.create'], // rest:routes/insert
  'compute.routes.delete': ['compute.routes.delete'], // rest:routes/delete

  // Firewall rules.
  'compute.firewalls.get': ['compute.firewalls.get'], // rest:firewalls/get
  'compute.firewalls.list': ['compute.firewalls.list'], // rest:firewalls/list
  'compute.firewalls.insert': ['compute.firewalls.create'], // rest:firewalls/insert
  'compute.firewalls.patch': [
    'compute.firewalls.get',
    'compute.firewalls.update',
    'compute.networks.updatePolicy',
  ], // vpc-audit (v1.compute.firewalls.patch)
  'compute.firewalls.update': ['compute.firewalls.update'], // rest:firewalls/update
  'compute.firewalls.delete': ['compute.firewalls.delete', 'compute.networks.updatePolicy'], // rest:firewalls/delete

  // Internal passthrough load balancer: health check ← backend service ← forwarding rule.
  'compute.regionHealthChecks.get': ['compute.regionHealthChecks.get'], // rest:regionHealthChecks/get
  'compute.regionHealthChecks.list': ['compute.regionHealthChecks.list'], // rest:regionHealthChecks/list
  'compute.healthChecks.aggregatedList': ['compute.healthChecks.list'], // rest:healthChecks/aggregatedList
  'compute.regionHealthChecks.insert': ['compute.regionHealthChecks.create'], // rest:regionHealthChecks/insert
  'compute.regionHealthChecks.patch': [
    'compute.regionHealthChecks.get',
    'compute.regionHealthChecks.update',
  ], // rest:regionHealthChecks/patch
  'compute.regionHealthChecks.update': ['compute.regionHealthChecks.update'], // rest:regionHealthChecks/update
  'compute.regionHealthChecks.delete': ['compute.regionHealthChecks.delete'], // rest:regionHealthChecks/delete
  'compute.regionBackendServices.get': ['compute.regionBackendServices.get'], // rest:regionBackendServices/get
  'compute.regionBackendServices.list': ['compute.regionBackendServices.list'], // rest:regionBackendServices/list
  'compute.backendServices.aggregatedList': ['compute.backendServices.list'], // rest:backendServices/aggregatedList
  'compute.regionBackendServices.insert': ['compute.regionBackendServices.create'], // rest:regionBackendServices/insert
  'compute.regionBackendServices.patch': [
    'compute.regionBackendServices.get',
    'compute.regionBackendServices.update',
  ], // rest:regionBackendServices/patch
  'compute.regionBackendServices.update': ['compute.regionBackendServices.update'], // rest:regionBackendServices/update
  'compute.regionBackendServices.delete': ['compute.regionBackendServices.delete'], // rest:regionBackendServices/delete
  'compute.regionBackendServices.getHealth': ['compute.regionBackendServices.get'], // rest:regionBackendServices/getHealth
  'compute.forwardingRules.get': ['compute.forwardingRules.get'], // rest:forwardingRules/get
  'compute.forwardingRules.list': ['compute.forwardingRules.list'], // rest:forwardingRules/list
  'compute.forwardingRules.aggregatedList': ['compute.forwardingRules.list'], // rest:forwardingRules/aggregatedList
  'compute.forwardingRules.insert': [
    'compute.forwardingRules.create',
    'compute.networks.use',
    'compute.subnetworks.use',
  ], // rest:forwardingRules/insert
  // The page's pscUpdate and pscDelete are for Private Service Connect rules; peerlink's are INTERNAL.
  'compute.forwardingRules.patch': [
    'compute.forwardingRules.get',
    'compute.forwardingRules.update',
  ], // rest:forwardingRules/patch
  'compute.forwardingRules.delete': ['compute.forwardingRules.delete'], // rest:forwardingRules/delete
  // The ILB's reserved internal address. The insert page also lists compute.instances.update,
  // for an address reserved for an instance; peerlink reserves one for a forwarding rule only.
  'compute.addresses.get': ['compute.addresses.get'], // rest:addresses/get
  'compute.addresses.list': ['compute.addresses.list'], // rest:addresses/list
  'compute.addresses.aggregatedList': ['compute.addresses.list'], // rest:addresses/aggregatedList
  'compute.addresses.insert': ['compute.addresses.create', 'compute.addresses.createInternal'], // rest:addresses/insert
  'compute.addresses.delete': ['compute.addresses.delete', 'compute.addresses.deleteInternal'], // rest:addresses/delete

  // Node pools' instance groups and their nodes (tags).
  'compute.instanceGroups.get': ['compute.instanceGroups.get'], // rest:instanceGroups/get
  'compute.instanceGroups.list': ['compute.instanceGroups.list'], // rest:instanceGroups/list
  'compute.instanceGroups.aggregatedList': ['compute.instanceGroups.list'], // rest:instanceGroups/aggregatedList
  'compute.instanceGroups.listInstances': ['compute.instanceGroups.list'], // gcloud:compute/instance-groups/list-instances
  'compute.instanceGroupManagers.get': ['compute.instanceGroupManagers.get'], // rest:instanceGroupManagers/get
  'compute.instanceGroupManagers.list': ['compute.instanceGroupManagers.list'], // rest:instanceGroupManagers/list
  'compute.instanceGroupManagers.aggregatedList': ['compute.instanceGroupManagers.list'], // rest:instanceGroupManagers/aggregatedList
  'compute.instanceGroupManagers.listManagedInstances': ['compute.instanceGroupManagers.list'], // gcloud:compute/instance-groups/managed/list-instances
  'compute.autoscalers.get': ['compute.autoscalers.get'], // rest:autoscalers/get
  'compute.autoscalers.list': ['compute.autoscalers.list'], // rest:autoscalers/list
  'compute.autoscalers.aggregatedList': ['compute.autoscalers.list'], // rest:autoscalers/aggregatedList
  'compute.instances.get': ['compute.instances.get'], // rest:instances/get
  'compute.instances.list': ['compute.instances.list'], // rest:instances/list
  'compute.instances.aggregatedList': ['compute.instances.list'], // rest:instances/aggregatedList

  // GKE. Creating a cluster attaches a service account to its nodes: actAs on it.
  'container.clusters.get': ['container.clusters.get'], // gke
  'container.clusters.list': ['container.clusters.list'], // gke
  'container.clusters.create': ['container.clusters.create', 'iam.serviceAccounts.actAs'], // gke
  'container.clusters.update': ['container.clusters.update'], // gke
  'container.clusters.setResourceLabels': ['container.clusters.update'], // gke-rest:projects.locations.clusters/setResourceLabels
  'container.clusters.delete': ['container.clusters.delete'], // gke
  'container.nodePools.get': ['container.clusters.get'], // gke
  'container.nodePools.list': ['container.clusters.get'], // gke
  'container.nodePools.create': ['container.clusters.update'], // gke
  'container.nodePools.update': ['container.clusters.update'], // gke
  'container.nodePools.setSize': ['container.clusters.update'], // gke-rest:projects.locations.clusters.nodePools/setSize
  'container.nodePools.setAutoscaling': ['container.clusters.update'], // gke-rest:projects.locations.clusters.nodePools/setAutoscaling
  'container.nodePools.delete': ['container.clusters.update'], // gke
  'container.operations.get': ['container.operations.get'], // gke-rest:projects.locations.operations/get
  'container.operations.list': ['container.operations.list'], // gke-rest:projects.locations.operations/list

  // The Kubernetes API of each cluster (gke-iam). Lists span all namespaces; server-side apply
  // is a patch, and an apply that creates the object is checked as a create too
  // (k8s.io/apiserver pkg/endpoints/handlers/patch.go).
  ...kubeRows('configmaps', 'configMaps'),
  ...kubeRows('daemonsets', 'daemonSets'),
  ...kubeRows('deployments', 'deployments'),
  ...kubeRows('services', 'services'),
  ...kubeRows('serviceaccounts', 'serviceAccounts'),
  // An Autopilot cluster's EgressNATPolicy is a custom resource, which GKE's IAM names
  // container.thirdPartyObjects (gke-iam).
  ...kubeRows('egressnatpolicies', 'thirdPartyObjects'),
};

function kubeRows(resource: string, iamName: string): Record<string, readonly string[]> {
  const verbs = { get: 'get', list: 'list', create: 'create', patch: 'update', delete: 'delete' };
  return Object.fromEntries(
    Object.entries(verbs).map(([verb, perm]) => [
      `kubernetes.${resource}.${verb}`,
      [`container.${iamName}.${perm}`],
    ]),
  );
}

/** A permission granted beyond what the table derives from the methods, and why. */
export interface Extra {
  readonly permission: string;
  readonly reason: string;
}

/**
 * What `onAuditLog` and `sweep` call, exactly as the runs in test/infra/iam/roles-from-runs.test.ts
 * record it: observe, then write peerlink's own resources. Not in the runs: taking the last
 * backend out of a backend service (GKE deleting its pool or cluster) is
 * regionBackendServices.update, whose one permission the patch row grants already.
 */
export const REACTOR_METHODS: readonly string[] = [
  'compute.addresses.delete',
  'compute.addresses.insert',
  'compute.addresses.list',
  'compute.firewalls.delete',
  'compute.firewalls.insert',
  'compute.firewalls.list',
  'compute.firewalls.patch',
  'compute.forwardingRules.delete',
  'compute.forwardingRules.insert',
  'compute.forwardingRules.list',
  'compute.forwardingRules.patch',
  'compute.globalOperations.wait',
  'compute.instanceGroupManagers.get',
  'compute.instanceGroups.list',
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
  'container.operations.list',
  'kubernetes.configmaps.create',
  'kubernetes.configmaps.delete',
  'kubernetes.configmaps.get',
  'kubernetes.configmaps.list',
  'kubernetes.configmaps.patch',
  'kubernetes.daemonsets.create',
  'kubernetes.daemonsets.delete',
  'kubernetes.daemonsets.get',
  'kubernetes.daemonsets.list',
  'kubernetes.daemonsets.patch',
  'kubernetes.deployments.create',
  'kubernetes.deployments.delete',
  'kubernetes.deployments.get',
  'kubernetes.deployments.list',
  'kubernetes.deployments.patch',
  'kubernetes.serviceaccounts.delete',
  'kubernetes.serviceaccounts.list',
  'kubernetes.services.create',
  'kubernetes.services.delete',
  'kubernetes.services.get',
  'kubernetes.services.list',
  'kubernetes.services.patch',
];

// Why a `use` permission is granted although no method page lists it.
const USE_REASON =
  'Compute checks a use permission on a resource that a request refers to (the compute.<kind>.use permissions of https://cloud.google.com/compute/docs/access/iam). The REST page of the method does not list it, so the simulator does not check it and no run shows it; it is granted so that the write does not fail on a real project.';

// The recorded runs provision the example topology, which has no Autopilot cluster.
const AUTOPILOT_REASON =
  "for an Autopilot consumer's default EgressNATPolicy (test/gcp/autopilot.test.ts, test/e2e/autopilot.test.ts); the recorded runs provision the example topology, which has no Autopilot cluster, so they never make the call.";

/** Reading and merge-patching an Autopilot cluster's default EgressNATPolicy (kubernetes.egressnatpolicies.get and .patch). */
const EGRESS_NAT_POLICY_EXTRAS: readonly Extra[] = [
  { permission: 'container.thirdPartyObjects.get', reason: `Reads ${AUTOPILOT_REASON}` },
  { permission: 'container.thirdPartyObjects.update', reason: `Patches ${AUTOPILOT_REASON}` },
];

/** Permissions the reactor may need that its recorded runs cannot show, with why. */
export const REACTOR_EXTRAS: readonly Extra[] = [
  {
    permission: 'compute.regionBackendServices.use',
    reason: `A forwarding rule names its backend service. ${USE_REASON}`,
  },
  {
    permission: 'compute.regionHealthChecks.useReadOnly',
    reason: `A backend service names its health check. ${USE_REASON}`,
  },
  {
    permission: 'compute.instanceGroups.use',
    reason: `A backend service names the node pools' instance groups. ${USE_REASON}`,
  },
  {
    permission: 'compute.addresses.useInternal',
    reason: `A forwarding rule names its reserved internal address. ${USE_REASON}`,
  },
  {
    permission: 'container.clusters.list',
    reason:
      "Finding a cluster's Kubernetes endpoint falls back to listClusters('-') when its location is not known yet (functions/gcp/cloud.ts clusterDirectory); every recorded run reads the cluster's facts first, which tell its location.",
  },
  ...EGRESS_NAT_POLICY_EXTRAS,
];

/**
 * What `bootstrap` calls, as the runs record it: networks, subnets, both peering sides and
 * clusters, then the same firewall rules, ILB and Kubernetes objects the reactor manages,
 * patching those that differ when it runs again.
 */
export const BOOTSTRAP_METHODS: readonly string[] = [
  'compute.addresses.insert',
  'compute.addresses.list',
  'compute.firewalls.insert',
  'compute.firewalls.list',
  'compute.firewalls.patch',
  'compute.forwardingRules.insert',
  'compute.forwardingRules.list',
  'compute.forwardingRules.patch',
  'compute.globalOperations.wait',
  'compute.instanceGroupManagers.get',
  'compute.instanceGroups.list',
  'compute.instanceGroups.listInstances',
  'compute.instances.get',
  'compute.networks.addPeering',
  'compute.networks.get',
  'compute.networks.insert',
  'compute.networks.listPeeringRoutes',
  'compute.regionBackendServices.insert',
  'compute.regionBackendServices.list',
  'compute.regionBackendServices.patch',
  'compute.regionHealthChecks.insert',
  'compute.regionHealthChecks.list',
  'compute.regionHealthChecks.patch',
  'compute.regionOperations.wait',
  'compute.subnetworks.get',
  'compute.subnetworks.insert',
  'container.clusters.create',
  'container.clusters.get',
  'container.nodePools.get',
  'container.operations.get',
  'container.operations.list',
  'kubernetes.configmaps.create',
  'kubernetes.configmaps.get',
  'kubernetes.configmaps.list',
  'kubernetes.configmaps.patch',
  'kubernetes.daemonsets.create',
  'kubernetes.daemonsets.get',
  'kubernetes.daemonsets.list',
  'kubernetes.daemonsets.patch',
  'kubernetes.deployments.create',
  'kubernetes.deployments.get',
  'kubernetes.deployments.list',
  'kubernetes.deployments.patch',
  'kubernetes.serviceaccounts.list',
  'kubernetes.services.create',
  'kubernetes.services.get',
  'kubernetes.services.list',
  'kubernetes.services.patch',
];

export const BOOTSTRAP_EXTRAS: readonly Extra[] = [
  ...REACTOR_EXTRAS.filter((e) => e.permission !== 'container.clusters.list'),
  {
    permission: 'container.clusters.update',
    reason:
      "A node pool beyond a cluster's first is created with nodePools.create, which GKE authorises as container.clusters.update. The example topology has one pool per cluster, so the recorded runs create every pool with its cluster and never make that call.",
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
