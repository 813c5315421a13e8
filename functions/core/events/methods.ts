/**
 * The audit-log methods that can change what peerlink must do, as data: a later step turns
 * this table into the Cloud Logging sink filter, and `classify` looks methods up in it.
 *
 * Method names are written without their version prefix; `SERVICES` lists the prefixes each
 * service puts in front. Sources:
 * - GKE: https://cloud.google.com/kubernetes-engine/docs/how-to/audit-logging-container
 *   (ADMIN_WRITE methods, `google.container.v1.` and `google.container.v1beta1.`).
 * - Compute, VPC, load balancing: https://cloud.google.com/compute/docs/audit-logging,
 *   https://cloud.google.com/vpc/docs/audit-logging,
 *   https://cloud.google.com/load-balancing/docs/audit-logging ("there is also a beta and
 *   alpha version ... the method name will start with beta or alpha").
 */

/** What a watched method changes; also the `kind` of a trigger. */
export type TriggerKind =
  | 'cluster'
  | 'nodePool'
  | 'peering'
  | 'subnetwork'
  | 'firewall'
  | 'forwardingRule'
  | 'backendService'
  | 'healthCheck'
  | 'unknown';

/** Kinds whose changes matter only when the changed resource is peerlink's own. */
export const OWNED_KINDS: ReadonlySet<TriggerKind> = new Set([
  'firewall',
  'forwardingRule',
  'backendService',
  'healthCheck',
]);

export interface ServiceVersions {
  /** `protoPayload.serviceName`. */
  readonly serviceName: string;
  /** Prefixes that precede a method name, one per API version. */
  readonly prefixes: readonly string[];
}

export const SERVICES: readonly ServiceVersions[] = [
  {
    serviceName: 'container.googleapis.com',
    prefixes: ['google.container.v1.', 'google.container.v1beta1.'],
  },
  { serviceName: 'compute.googleapis.com', prefixes: ['v1.', 'beta.', 'alpha.'] },
];

export interface WatchedMethod {
  readonly serviceName: string;
  /** The method name without its version prefix, e.g. `compute.networks.addPeering`. */
  readonly method: string;
  readonly kind: Exclude<TriggerKind, 'unknown'>;
  /** What the change can affect, for people reading the table and the sink filter. */
  readonly affects: string;
}

const GKE = 'container.googleapis.com';
const COMPUTE = 'compute.googleapis.com';

function compute(
  collection: string,
  verbs: readonly string[],
  kind: WatchedMethod['kind'],
  affects: string,
): WatchedMethod[] {
  return verbs.map((verb) => ({
    serviceName: COMPUTE,
    method: `compute.${collection}.${verb}`,
    kind,
    affects,
  }));
}

const CRUD = ['insert', 'delete', 'patch', 'update'];

export const WATCHED_METHODS: readonly WatchedMethod[] = [
  {
    serviceName: GKE,
    method: 'ClusterManager.CreateCluster',
    kind: 'cluster',
    affects: 'a cluster appears: its node ranges, tags and instance groups',
  },
  {
    serviceName: GKE,
    method: 'ClusterManager.DeleteCluster',
    kind: 'cluster',
    affects: 'a cluster goes away: rules and backends that named it',
  },
  {
    serviceName: GKE,
    method: 'ClusterManager.CreateNodePool',
    kind: 'nodePool',
    affects: 'new instance groups for the backend service',
  },
  {
    serviceName: GKE,
    method: 'ClusterManager.DeleteNodePool',
    kind: 'nodePool',
    affects: 'instance groups leave the backend service',
  },
  {
    serviceName: GKE,
    method: 'ClusterManager.UpdateNodePool',
    kind: 'nodePool',
    affects: 'node locations, hence instance groups, may change',
  },
  ...compute(
    'networks',
    ['addPeering', 'removePeering', 'updatePeering'],
    'peering',
    'imported ranges: masquerade CIDRs, firewall sources, reachability',
  ),
  ...compute(
    'subnetworks',
    ['insert', 'delete', 'patch', 'expandIpCidrRange'],
    'subnetwork',
    'node and pod ranges seen over peerings',
  ),
  ...compute('firewalls', CRUD, 'firewall', "peerlink's own firewall rules"),
  ...compute(
    'forwardingRules',
    ['insert', 'delete', 'patch'],
    'forwardingRule',
    "peerlink's own ILB forwarding rules",
  ),
  ...compute('backendServices', CRUD, 'backendService', "peerlink's own backend services (global)"),
  ...compute(
    'regionBackendServices',
    CRUD,
    'backendService',
    "peerlink's own ILB backend services",
  ),
  ...compute('healthChecks', CRUD, 'healthCheck', "peerlink's own health checks (global)"),
  ...compute('regionHealthChecks', CRUD, 'healthCheck', "peerlink's own health checks (regional)"),
];

/** Every full method name, each version prefix applied: the input of the sink filter. */
export function watchedMethodNames(): string[] {
  return WATCHED_METHODS.flatMap((m) =>
    (SERVICES.find((s) => s.serviceName === m.serviceName)?.prefixes ?? []).map(
      (p) => `${p}${m.method}`,
    ),
  );
}

/** The watched method an audit-log entry names, whatever its version prefix, or undefined. */
export function findWatchedMethod(
  serviceName: string,
  methodName: string,
): WatchedMethod | undefined {
  const service = SERVICES.find((s) => s.serviceName === serviceName);
  const prefix = service?.prefixes.find((p) => methodName.startsWith(p));
  if (prefix === undefined) return undefined;
  const bare = methodName.slice(prefix.length);
  return WATCHED_METHODS.find((m) => m.serviceName === serviceName && m.method === bare);
}
