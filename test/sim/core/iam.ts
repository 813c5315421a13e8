import { ApiError, type GoogleErrorBody } from './errors.ts';
import { ok } from './http.ts';
import { principalOf } from './identity.ts';
import type { Route, SimRequest } from './router.ts';

/**
 * IAM for the simulated Compute, GKE and Kubernetes APIs: which permissions each method needs
 * (this file's own table, from Google's documentation, row by row), which principal holds which
 * permissions, and the 403 each API answers when one is missing.
 *
 * A principal with no binding at all is the project's owner (every permission), as the person
 * who created a project is, so gcloud, kubectl and tests acting as people keep working. A
 * bound principal holds exactly what its bindings grant.
 */

const COMPUTE = 'https://cloud.google.com/compute/docs/reference/rest/v1';
// The "IAM Permissions" section of each method's page.
const rest = (page: string) => `${COMPUTE}/${page}`;
// "v1.compute.firewalls.patch ... Permissions": get, update and networks.updatePolicy.
const VPC_AUDIT = 'https://cloud.google.com/vpc/docs/audit-logging';
// Method → permission table of the GKE API.
const GKE = 'https://cloud.google.com/kubernetes-engine/docs/reference/api-permissions';
const GKE_REST = 'https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1';

/** One method's permissions and where Google documents them. */
export interface MethodIam {
  readonly permissions: readonly string[];
  readonly source: string;
}

const row = (source: string, ...permissions: string[]): MethodIam => ({ permissions, source });

/**
 * Route name (as `/__sim/stats` names it) → the permissions one call needs, all of them.
 * Operation `wait` pages list the operation's `get` permission.
 */
export const METHOD_IAM: Readonly<Record<string, MethodIam>> = {
  'compute.globalOperations.get': row(rest('globalOperations/get'), 'compute.globalOperations.get'),
  'compute.globalOperations.wait': row(
    rest('globalOperations/wait'),
    'compute.globalOperations.get',
  ),
  'compute.globalOperations.list': row(
    rest('globalOperations/list'),
    'compute.globalOperations.list',
  ),
  'compute.globalOperations.delete': row(
    rest('globalOperations/delete'),
    'compute.globalOperations.delete',
  ),
  'compute.regionOperations.get': row(rest('regionOperations/get'), 'compute.regionOperations.get'),
  'compute.regionOperations.wait': row(
    rest('regionOperations/wait'),
    'compute.regionOperations.get',
  ),
  'compute.regionOperations.list': row(
    rest('regionOperations/list'),
    'compute.regionOperations.list',
  ),
  'compute.regionOperations.delete': row(
    rest('regionOperations/delete'),
    'compute.regionOperations.delete',
  ),
  'compute.globalOperations.aggregatedList': row(
    rest('globalOperations/aggregatedList'),
    'compute.globalOperations.list',
  ),
  'compute.zoneOperations.get': row(rest('zoneOperations/get'), 'compute.zoneOperations.get'),
  'compute.zoneOperations.wait': row(rest('zoneOperations/wait'), 'compute.zoneOperations.get'),
  'compute.zoneOperations.list': row(rest('zoneOperations/list'), 'compute.zoneOperations.list'),
  'compute.zoneOperations.delete': row(
    rest('zoneOperations/delete'),
    'compute.zoneOperations.delete',
  ),

  'compute.networks.get': row(rest('networks/get'), 'compute.networks.get'),
  'compute.networks.list': row(rest('networks/list'), 'compute.networks.list'),
  'compute.networks.insert': row(rest('networks/insert'), 'compute.networks.create'),
  'compute.networks.patch': row(
    rest('networks/patch'),
    'compute.networks.update',
    'compute.networks.get',
  ),
  'compute.networks.delete': row(rest('networks/delete'), 'compute.networks.delete'),
  'compute.networks.addPeering': row(rest('networks/addPeering'), 'compute.networks.addPeering'),
  'compute.networks.removePeering': row(
    rest('networks/removePeering'),
    'compute.networks.removePeering',
  ),
  'compute.networks.updatePeering': row(
    rest('networks/updatePeering'),
    'compute.networks.updatePeering',
  ),
  'compute.networks.listPeeringRoutes': row(
    rest('networks/listPeeringRoutes'),
    'compute.networks.listPeeringRoutes',
  ),

  'compute.subnetworks.get': row(rest('subnetworks/get'), 'compute.subnetworks.get'),
  'compute.subnetworks.list': row(rest('subnetworks/list'), 'compute.subnetworks.list'),
  'compute.subnetworks.aggregatedList': row(
    rest('subnetworks/aggregatedList'),
    'compute.subnetworks.list',
  ),
  'compute.subnetworks.insert': row(rest('subnetworks/insert'), 'compute.subnetworks.create'),
  'compute.subnetworks.patch': row(
    rest('subnetworks/patch'),
    'compute.subnetworks.update',
    'compute.subnetworks.get',
  ),
  'compute.subnetworks.expandIpCidrRange': row(
    rest('subnetworks/expandIpCidrRange'),
    'compute.subnetworks.expandIpCidrRange',
  ),
  'compute.subnetworks.delete': row(rest('subnetworks/delete'), 'compute.subnetworks.delete'),
  'compute.subnetworks.setPrivateIpGoogleAccess': row(
    rest('subnetworks/setPrivateIpGoogleAccess'),
    'compute.subnetworks.setPrivateIpGoogleAccess',
  ),

  'compute.routes.get': row(rest('routes/get'), 'compute.routes.get'),
  'compute.routes.list': row(rest('routes/list'), 'compute.routes.list'),
  'compute.routes.insert': row(
    rest('routes/insert'),
    'compute.routes.create',
    'compute.networks.updatePolicy',
  ),
  'compute.routes.delete': row(rest('routes/delete'), 'compute.routes.delete'),

  'compute.firewalls.get': row(rest('firewalls/get'), 'compute.firewalls.get'),
  'compute.firewalls.list': row(rest('firewalls/list'), 'compute.firewalls.list'),
  'compute.firewalls.insert': row(rest('firewalls/insert'), 'compute.firewalls.create'),
  'compute.firewalls.patch': row(
    VPC_AUDIT,
    'compute.firewalls.update',
    'compute.firewalls.get',
    'compute.networks.updatePolicy',
  ),
  'compute.firewalls.update': row(rest('firewalls/update'), 'compute.firewalls.update'),
  'compute.firewalls.delete': row(
    rest('firewalls/delete'),
    'compute.firewalls.delete',
    'compute.networks.updatePolicy',
  ),

  'compute.regionHealthChecks.get': row(
    rest('regionHealthChecks/get'),
    'compute.regionHealthChecks.get',
  ),
  'compute.regionHealthChecks.list': row(
    rest('regionHealthChecks/list'),
    'compute.regionHealthChecks.list',
  ),
  'compute.regionHealthChecks.insert': row(
    rest('regionHealthChecks/insert'),
    'compute.regionHealthChecks.create',
  ),
  'compute.regionHealthChecks.patch': row(
    rest('regionHealthChecks/patch'),
    'compute.regionHealthChecks.update',
    'compute.regionHealthChecks.get',
  ),
  'compute.regionHealthChecks.update': row(
    rest('regionHealthChecks/update'),
    'compute.regionHealthChecks.update',
  ),
  'compute.regionHealthChecks.delete': row(
    rest('regionHealthChecks/delete'),
    'compute.regionHealthChecks.delete',
  ),

  'compute.healthChecks.aggregatedList': row(
    rest('healthChecks/aggregatedList'),
    'compute.healthChecks.list',
  ),
  'compute.backendServices.aggregatedList': row(
    rest('backendServices/aggregatedList'),
    'compute.backendServices.list',
  ),
  'compute.regionBackendServices.get': row(
    rest('regionBackendServices/get'),
    'compute.regionBackendServices.get',
  ),
  'compute.regionBackendServices.list': row(
    rest('regionBackendServices/list'),
    'compute.regionBackendServices.list',
  ),
  'compute.regionBackendServices.insert': row(
    rest('regionBackendServices/insert'),
    'compute.regionBackendServices.create',
  ),
  'compute.regionBackendServices.patch': row(
    rest('regionBackendServices/patch'),
    'compute.regionBackendServices.update',
    'compute.regionBackendServices.get',
  ),
  'compute.regionBackendServices.update': row(
    rest('regionBackendServices/update'),
    'compute.regionBackendServices.update',
  ),
  'compute.regionBackendServices.delete': row(
    rest('regionBackendServices/delete'),
    'compute.regionBackendServices.delete',
  ),
  'compute.regionBackendServices.getHealth': row(
    rest('regionBackendServices/getHealth'),
    'compute.regionBackendServices.get',
  ),

  'compute.forwardingRules.get': row(rest('forwardingRules/get'), 'compute.forwardingRules.get'),
  'compute.forwardingRules.list': row(rest('forwardingRules/list'), 'compute.forwardingRules.list'),
  'compute.forwardingRules.aggregatedList': row(
    rest('forwardingRules/aggregatedList'),
    'compute.forwardingRules.list',
  ),
  'compute.forwardingRules.insert': row(
    rest('forwardingRules/insert'),
    'compute.forwardingRules.create',
    'compute.networks.use',
    'compute.subnetworks.use',
  ),
  // The page's psc* permissions are for Private Service Connect rules only.
  'compute.forwardingRules.patch': row(
    rest('forwardingRules/patch'),
    'compute.forwardingRules.update',
    'compute.forwardingRules.get',
  ),
  'compute.forwardingRules.delete': row(
    rest('forwardingRules/delete'),
    'compute.forwardingRules.delete',
  ),

  'compute.addresses.get': row(rest('addresses/get'), 'compute.addresses.get'),
  'compute.addresses.list': row(rest('addresses/list'), 'compute.addresses.list'),
  'compute.addresses.aggregatedList': row(
    rest('addresses/aggregatedList'),
    'compute.addresses.list',
  ),
  // The page also lists compute.instances.update, for an address reserved for an instance; the
  // simulator reserves addresses for forwarding rules only.
  'compute.addresses.insert': row(
    rest('addresses/insert'),
    'compute.addresses.create',
    'compute.addresses.createInternal',
  ),
  'compute.addresses.delete': row(
    rest('addresses/delete'),
    'compute.addresses.delete',
    'compute.addresses.deleteInternal',
  ),

  'compute.instances.get': row(rest('instances/get'), 'compute.instances.get'),
  'compute.instances.list': row(rest('instances/list'), 'compute.instances.list'),
  'compute.instances.aggregatedList': row(
    rest('instances/aggregatedList'),
    'compute.instances.list',
  ),
  'compute.instanceGroups.get': row(rest('instanceGroups/get'), 'compute.instanceGroups.get'),
  'compute.instanceGroups.list': row(rest('instanceGroups/list'), 'compute.instanceGroups.list'),
  'compute.instanceGroups.aggregatedList': row(
    rest('instanceGroups/aggregatedList'),
    'compute.instanceGroups.list',
  ),
  // gcloud's help for the command that makes this call names its one permission.
  'compute.instanceGroups.listInstances': row(
    'https://cloud.google.com/sdk/gcloud/reference/compute/instance-groups/list-instances',
    'compute.instanceGroups.list',
  ),
  'compute.instanceGroupManagers.get': row(
    rest('instanceGroupManagers/get'),
    'compute.instanceGroupManagers.get',
  ),
  'compute.instanceGroupManagers.list': row(
    rest('instanceGroupManagers/list'),
    'compute.instanceGroupManagers.list',
  ),
  'compute.instanceGroupManagers.aggregatedList': row(
    rest('instanceGroupManagers/aggregatedList'),
    'compute.instanceGroupManagers.list',
  ),
  // gcloud's help for `instance-groups managed list-instances`, which makes this call.
  'compute.instanceGroupManagers.listManagedInstances': row(
    'https://cloud.google.com/sdk/gcloud/reference/compute/instance-groups/managed/list-instances',
    'compute.instanceGroupManagers.list',
  ),
  'compute.autoscalers.get': row(rest('autoscalers/get'), 'compute.autoscalers.get'),
  'compute.autoscalers.list': row(rest('autoscalers/list'), 'compute.autoscalers.list'),
  'compute.autoscalers.aggregatedList': row(
    rest('autoscalers/aggregatedList'),
    'compute.autoscalers.list',
  ),

  // GKE checks actAs on the nodes' service account; container.clusters.getCredentials only
  // gates credentials (basic auth, client keys), which the simulator never hands out.
  'container.clusters.create': row(GKE, 'container.clusters.create', 'iam.serviceAccounts.actAs'),
  'container.clusters.delete': row(GKE, 'container.clusters.delete'),
  'container.clusters.get': row(GKE, 'container.clusters.get'),
  'container.clusters.list': row(GKE, 'container.clusters.list'),
  'container.clusters.update': row(GKE, 'container.clusters.update'),
  'container.clusters.setResourceLabels': row(
    `${GKE_REST}/projects.locations.clusters/setResourceLabels`,
    'container.clusters.update',
  ),
  'container.nodePools.create': row(GKE, 'container.clusters.update'),
  'container.nodePools.update': row(GKE, 'container.clusters.update'),
  'container.nodePools.delete': row(GKE, 'container.clusters.update'),
  'container.nodePools.setSize': row(
    `${GKE_REST}/projects.locations.clusters.nodePools/setSize`,
    'container.clusters.update',
  ),
  'container.nodePools.setAutoscaling': row(
    `${GKE_REST}/projects.locations.clusters.nodePools/setAutoscaling`,
    'container.clusters.update',
  ),
  // The page names no IAM permission for it.
  'container.getServerConfig': row(`${GKE_REST}/projects.locations/getServerConfig`),
  // A method GKE does not have is a 404 whoever asks.
  'container.methodNotFound': row('https://cloud.google.com/apis/design/errors#http_mapping'),
  'container.nodePools.get': row(GKE, 'container.clusters.get'),
  'container.nodePools.list': row(GKE, 'container.clusters.get'),
  'container.operations.get': row(
    `${GKE_REST}/projects.locations.operations/get`,
    'container.operations.get',
  ),
  'container.operations.list': row(
    `${GKE_REST}/projects.locations.operations/list`,
    'container.operations.list',
  ),
};

/**
 * Kubernetes resource (plural, as in URLs) → its name in GKE's IAM permissions,
 * `container.<name>.<verb>`: https://cloud.google.com/iam/docs/roles-permissions/container
 */
export const KUBE_RESOURCES: Readonly<Record<string, string>> = {
  configmaps: 'configMaps',
  daemonsets: 'daemonSets',
  deployments: 'deployments',
  namespaces: 'namespaces',
  nodes: 'nodes',
  secrets: 'secrets',
  serviceaccounts: 'serviceAccounts',
  services: 'services',
  // A custom resource (a CRD's kind, here GKE's EgressNATPolicy) is a "third party object" to
  // GKE's IAM: container.thirdPartyObjects.{create,delete,get,list,update} on the same page.
  egressnatpolicies: 'thirdPartyObjects',
};

/**
 * Kubernetes verb → IAM verb. GKE has create, delete, get, list and update permissions per kind
 * and none for patch: a patch is authorised as update (same page as KUBE_RESOURCES).
 */
const KUBE_VERBS: Readonly<Record<string, string>> = {
  get: 'get',
  list: 'list',
  create: 'create',
  update: 'update',
  patch: 'update',
  delete: 'delete',
};

/** `container.<resource>.<verb>` for a Kubernetes call, or undefined when not mapped. */
export function kubePermission(verb: string, resource: string): string | undefined {
  const r = KUBE_RESOURCES[resource];
  const v = KUBE_VERBS[verb];
  return r && v ? `container.${r}.${v}` : undefined;
}

/** The name a Kubernetes call is recorded under: `kubernetes.<resource>.<verb>`. */
export function kubeMethod(verb: string, resource: string): string {
  return `kubernetes.${resource}.${verb}`;
}

/** The basic role that holds every permission. */
export const OWNER = 'roles/owner';

// https://cloud.google.com/iam/docs/reference/rest/v1/projects.roles (name) and
// https://cloud.google.com/iam/docs/creating-custom-roles (role ID: letters, digits, _ and .)
const CUSTOM_ROLE = /^projects\/[^/]+\/roles\/[A-Za-z0-9_.]{3,64}$/;
const PERMISSION = /^[a-z][a-zA-Z0-9]*\.[a-zA-Z]+\.[a-zA-Z]+$/;

/** What one principal was granted. */
export interface Binding {
  roles: string[];
  permissions: string[];
}

/** What one principal asked for: each method's calls, each permission's checks. */
export interface PrincipalRecord {
  methods: Record<string, number>;
  permissions: Record<string, { granted: number; denied: number }>;
}

/** `GET /__sim/iam`. */
export interface IamView {
  roles: Record<string, string[]>;
  bindings: Record<string, Binding>;
  principals: Record<string, PrincipalRecord>;
}

/** A Kubernetes request's attributes, as the API server hands them to its authorizer. */
export interface KubeCall {
  /** The Authorization header as sent. */
  readonly authorization: string | undefined;
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly namespace?: string | undefined;
  readonly name?: string | undefined;
}

/** The authorizer's answer; `reason` is appended to the Forbidden message. */
export interface KubeDecision {
  readonly allowed: boolean;
  readonly user: string;
  readonly reason?: string;
}

/**
 * GKE's 403: the google.rpc.Status form (`{error:{code, message, status}}`), e.g.
 * `Required "container.clusters.get" permission(s) for "projects/p/locations/l/clusters/c".`
 * https://cloud.google.com/apis/design/errors#http_mapping (403 PERMISSION_DENIED)
 */
export class PermissionDenied extends ApiError {
  constructor(message: string) {
    super(403, 'forbidden', message);
    this.name = 'PermissionDenied';
  }

  override toBody(): GoogleErrorBody {
    return {
      error: { code: 403, message: this.message, status: 'PERMISSION_DENIED' },
    } as unknown as GoogleErrorBody;
  }
}

/**
 * Compute's 403: `errors[].reason` `forbidden` and the message
 * `Required 'compute.firewalls.create' permission for 'projects/p/global/firewalls/x'`
 * (https://cloud.google.com/compute/docs/api/handling-errors).
 */
export function computeDenied(permission: string, resource: string): ApiError {
  return new ApiError(403, 'forbidden', `Required '${permission}' permission for '${resource}'`);
}

/** GKE's 403 for `permission` on `resource`. */
export function containerDenied(permission: string, resource: string): ApiError {
  return new PermissionDenied(`Required "${permission}" permission(s) for "${resource}".`);
}

// The last path segment of custom methods (`.../networks/n/addPeering`) is not the resource.
const CUSTOM_METHOD_SUFFIX =
  /\/(addPeering|removePeering|updatePeering|listPeeringRoutes|wait|listInstances|expandIpCidrRange|update)$/;

/**
 * The resource a denial names: the project for lists and GKE creates (the permission is checked
 * on the containing project), the new resource for Compute inserts, the cluster for node pools.
 * Every permission of a method is reported on this one resource.
 */
export function resourceOf(req: SimRequest): string {
  const verb = req.name.split('.').pop() ?? '';
  const p = req.params;
  if (req.name.startsWith('compute.')) {
    const path = req.path.replace(/^\/compute\/v1\//, '').replace(CUSTOM_METHOD_SUFFIX, '');
    if (verb === 'list' || verb === 'aggregatedList') return `projects/${p.project}`;
    const name = (req.body as { name?: unknown } | undefined)?.name;
    if (verb === 'insert') return typeof name === 'string' ? `${path}/${name}` : path;
    return path;
  }
  const location = `projects/${p.project}/locations/${p.location}`;
  if (req.name === 'container.clusters.create' || req.name === 'container.clusters.list')
    return `projects/${p.project}`;
  if (req.name.startsWith('container.nodePools.')) return `${location}/clusters/${p.cluster}`;
  if (p.operation) return `${location}/operations/${p.operation}`;
  return p.cluster ? `${location}/clusters/${p.cluster}` : location;
}

/** Bindings, custom roles and the record of every check, for one simulator. */
export class Iam {
  readonly #roles = new Map<string, Set<string>>();
  readonly #bindings = new Map<string, { roles: Set<string>; permissions: Set<string> }>();
  #record = new Map<string, PrincipalRecord>();

  /** Defines (or replaces) a custom role. Throws ApiError 400 on a bad name or permission. */
  defineRole(name: string, permissions: readonly string[]): void {
    if (!CUSTOM_ROLE.test(name))
      throw new ApiError(400, 'invalid', `role name must be projects/PROJECT/roles/ID: ${name}`);
    this.#roles.set(name, new Set(checkedPermissions(permissions)));
  }

  /** Adds roles and permissions to a principal's bindings. Throws ApiError 400 when unknown. */
  bind(principal: string, grant: { roles?: readonly string[]; permissions?: readonly string[] }) {
    if (!/^\S+@\S+$/.test(principal))
      throw new ApiError(400, 'invalid', `principal must be an email: ${principal}`);
    if (grant.roles !== undefined && !Array.isArray(grant.roles))
      throw new ApiError(400, 'invalid', 'roles must be a list of role names');
    for (const r of grant.roles ?? [])
      if (r !== OWNER && !this.#roles.has(r))
        throw new ApiError(400, 'invalid', `unknown role ${r}: define it at /__sim/iam/roles`);
    const perms = checkedPermissions(grant.permissions ?? []);
    const b = this.#bindings.get(principal) ?? { roles: new Set(), permissions: new Set() };
    for (const r of grant.roles ?? []) b.roles.add(r);
    for (const p of perms) b.permissions.add(p);
    this.#bindings.set(principal, b);
  }

  /** True when `principal` holds `permission` (unbound principals are owners). */
  holds(principal: string, permission: string): boolean {
    const b = this.#bindings.get(principal);
    if (!b) return true;
    if (b.roles.has(OWNER) || b.permissions.has(permission)) return true;
    return [...b.roles].some((r) => this.#roles.get(r)?.has(permission));
  }

  /** Records a call of `method` and returns the permissions among `needed` it lacks. */
  check(principal: string, method: string, needed: readonly string[]): string[] {
    const rec = this.#record.get(principal) ?? { methods: {}, permissions: {} };
    this.#record.set(principal, rec);
    rec.methods[method] = (rec.methods[method] ?? 0) + 1;
    const missing: string[] = [];
    for (const p of needed) {
      const count = rec.permissions[p] ?? { granted: 0, denied: 0 };
      rec.permissions[p] = count;
      if (this.holds(principal, p)) count.granted += 1;
      else {
        count.denied += 1;
        missing.push(p);
      }
    }
    return missing;
  }

  /**
   * The router's guard for Compute and GKE routes: throws the API's 403 when the caller lacks
   * a permission of the method. A route without a row is a simulator bug, loud for bound callers.
   */
  authorize(req: SimRequest): void {
    const row = METHOD_IAM[req.name];
    if (!row) {
      if (!this.#bindings.has(req.principal)) return;
      throw new ApiError(
        500,
        'backendError',
        `simulator: no IAM permissions known for ${req.name}; add its row to test/sim/core/iam.ts`,
      );
    }
    const missing = this.check(req.principal, req.name, row.permissions);
    const first = missing[0];
    if (first === undefined) return;
    const resource = resourceOf(req);
    throw req.name.startsWith('container.')
      ? containerDenied(first, resource)
      : computeDenied(first, resource);
  }

  /** The Kubernetes API servers' authorizer (see test/sim/kube/authz.ts). */
  authorizeKube(call: KubeCall): KubeDecision {
    const user = principalOf({ authorization: call.authorization });
    const permission = kubePermission(call.verb, call.resource);
    const method = kubeMethod(call.verb, call.resource);
    if (permission === undefined) {
      this.check(user, method, []);
      return { allowed: !this.#bindings.has(user), user };
    }
    const missing = this.check(user, method, [permission]);
    if (missing.length === 0) return { allowed: true, user };
    // GKE's authorizer gives the IAM permission it wanted as the reason.
    return { allowed: false, user, reason: `requires one of ["${permission}"] permission(s).` };
  }

  view(): IamView {
    const sorted = (s: Iterable<string>) => [...s].sort();
    return {
      roles: Object.fromEntries([...this.#roles].map(([n, p]) => [n, sorted(p)])),
      bindings: Object.fromEntries(
        [...this.#bindings].map(([n, b]) => [
          n,
          { roles: sorted(b.roles), permissions: sorted(b.permissions) },
        ]),
      ),
      principals: structuredClone(Object.fromEntries(this.#record)),
    };
  }

  /** Forgets roles, bindings and records: every principal is an owner again. */
  reset(): void {
    this.#roles.clear();
    this.#bindings.clear();
    this.#record = new Map();
  }
}

function checkedPermissions(permissions: readonly string[]): string[] {
  if (!Array.isArray(permissions))
    throw new ApiError(400, 'invalid', 'permissions must be a list of strings');
  for (const p of permissions)
    if (typeof p !== 'string' || !PERMISSION.test(p))
      throw new ApiError(400, 'invalid', `not a permission (service.resource.verb): ${String(p)}`);
  return [...permissions];
}

/**
 * Control routes (simulator-only, not a Google API):
 * - `GET /__sim/iam` -> {@link IamView}: custom roles, bindings, and per principal the methods
 *   it called and the permissions checked (granted / denied).
 * - `POST /__sim/iam` `{principal, roles?, permissions?}` adds to the principal's bindings.
 * - `POST /__sim/iam/roles` `{name: 'projects/P/roles/ID', includedPermissions}` defines a
 *   custom role (the fields of IAM's Role).
 * - `DELETE /__sim/iam` forgets all of it. `POST /__sim/reset` and snapshots leave IAM alone.
 */
export function iamRoutes(iam: Iam): Route[] {
  const r = (method: string, path: string, name: string, handler: Route['handler']): Route => ({
    method,
    pattern: `/__sim/${path}`,
    name: `sim.${name}`,
    kind: 'control',
    handler,
  });
  const object = (body: unknown): Record<string, unknown> => {
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new ApiError(400, 'invalid', 'the body must be a JSON object');
    return body as Record<string, unknown>;
  };
  return [
    r('GET', 'iam', 'iam.get', () => ok(iam.view())),
    r('POST', 'iam', 'iam.bind', (req) => {
      const b = object(req.body);
      iam.bind(String(b.principal), {
        ...(b.roles === undefined ? {} : { roles: b.roles as string[] }),
        ...(b.permissions === undefined ? {} : { permissions: b.permissions as string[] }),
      });
      return ok(iam.view());
    }),
    r('POST', 'iam/roles', 'iam.roles.create', (req) => {
      const b = object(req.body);
      iam.defineRole(String(b.name), (b.includedPermissions ?? []) as string[]);
      return ok(iam.view());
    }),
    r('DELETE', 'iam', 'iam.reset', () => {
      iam.reset();
      return ok(iam.view());
    }),
  ];
}
