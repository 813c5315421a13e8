import type { AuditShape } from '../model/kind.ts';
import { isDataAccessLog, type LogEntry } from './log-entry.ts';
import { findWatchedMethod, type TriggerKind } from './methods.ts';
import { isSafeName, type ParsedName, parseResourceName } from './names.ts';
import { isPeerlinkOwnedName } from './ownership.ts';

export type { TriggerKind } from './methods.ts';

/** `reconcile` now, `defer` until the operation's last record, or `ignore`. */
export type TriggerAction = 'reconcile' | 'defer' | 'ignore';

/**
 * What a change can affect, as far as the entry tells. Absent fields are unknown, not "none":
 * the scope step widens to everything it cannot rule out.
 */
export interface TriggerScope {
  /** GKE location (zone or region) of the cluster. */
  location?: string;
  cluster?: string;
  nodePool?: string;
  /** The VPC network (short name) the change is in. */
  network?: string;
  /** For peerings: the other side's network (short name) and its project. */
  peerNetwork?: string;
  peerProject?: string;
  region?: string;
  subnetwork?: string;
  /** Short name of the changed compute resource: firewall rule, forwarding rule, backend
   * service, health check, subnetwork, or the peering's name. */
  resource?: string;
}

export interface Trigger {
  action: TriggerAction;
  kind: TriggerKind;
  project: string | null;
  scope: TriggerScope;
  /** `operation.id` shared by the first and last record of a long-running operation. */
  operationId: string | null;
  /** Why this action, for people and logs. */
  reason: string;
  /** True when peerlink's own service account made the change (so it must not loop). */
  causedBySelf: boolean;
  timestamp: string | null;
  method: string | null;
}

export interface ClassifyOptions {
  /** Email of peerlink's service account (env PEERLINK_SERVICE_ACCOUNT). */
  selfPrincipal?: string | undefined;
}

/**
 * Classifies one validated audit-log entry. Pure.
 *
 * Rules, in order: Data Access logs, unwatched methods and failed records (non-zero
 * `status.code`) are ignored, except failed records of methods marked `reconcileOnFailure`
 * (deletes of node pools and clusters), which reconcile; changes to firewall rules, forwarding
 * rules, backend services and health checks are ignored unless the resource is peerlink's (name
 * prefix); a long-running operation's `first` record defers (it reconciles for methods marked
 * `reconcileOnFirst`), its `last` record reconciles, and a single successful record reconciles.
 *
 * @throws MalformedEventError (terminal) when a watched entry carries a resource name no
 *   Google API produces (`..`, `%2F`, non-ASCII). Such an entry is forged or corrupt, and
 *   acting on it could point peerlink at the wrong resource.
 */
export function classify(entry: LogEntry, options: ClassifyOptions = {}): Trigger {
  const payload = entry.protoPayload;
  const trigger: Trigger = {
    action: 'ignore',
    kind: 'unknown',
    project: lenientProject(entry),
    scope: {},
    operationId: entry.operation?.id ?? null,
    reason: '',
    causedBySelf: isSelf(payload?.authenticationInfo?.principalEmail, options.selfPrincipal),
    timestamp: entry.timestamp ?? entry.receiveTimestamp ?? null,
    method: payload?.methodName ?? null,
  };
  if (isDataAccessLog(entry.logName)) {
    return { ...trigger, reason: 'Data Access audit log: reads change nothing' };
  }
  if (payload === undefined) {
    return { ...trigger, reason: 'not an audit-log entry (no protoPayload)' };
  }
  const watched = findWatchedMethod(payload.serviceName, payload.methodName);
  if (watched === undefined) {
    return {
      ...trigger,
      reason: `unwatched method ${payload.methodName} (${payload.serviceName})`,
    };
  }
  const kind = watched.kind;
  const located = locate(watched.shape, entry);
  const base: Trigger = { ...trigger, kind, project: located.project, scope: located.scope };

  const code = payload.status?.code ?? 0;
  if (code !== 0) {
    const message = payload.status?.message;
    const failed = `${payload.methodName} failed with status ${code}${message ? `: ${message}` : ''}`;
    // A failed delete leaves its pool or cluster in place: what its first record took out of
    // the backend service goes back, and a retried delete starts from a consistent state.
    if (watched.reconcileOnFailure === true)
      return { ...base, action: 'reconcile', reason: `${failed}; reconciling what it left` };
    return { ...base, reason: failed };
  }
  if (watched.shape === 'owned') {
    const name = located.scope.resource;
    if (name === undefined || !isPeerlinkOwnedName(name)) {
      return {
        ...base,
        reason: `not a peerlink-owned ${watched.label}: ${name ?? '(name unknown)'}`,
      };
    }
  }
  const op = entry.operation;
  if (op !== undefined && op.first === true && op.last !== true && watched.reconcileOnFirst) {
    // GKE drains the nodes, then deletes the groups, and fails if one is still a backend: the
    // groups must leave peerlink's backend service while the drain runs, not after.
    return {
      ...base,
      action: 'reconcile',
      reason: `${payload.methodName} operation ${op.id ?? '(no id)'} started; reconciling before it deletes what the load balancer uses`,
    };
  }
  if (op !== undefined && op.last !== true) {
    const where = op.first === true ? 'started' : 'is in progress';
    return {
      ...base,
      action: 'defer',
      reason: `${payload.methodName} operation ${op.id ?? '(no id)'} ${where}; waiting for its last record`,
    };
  }
  return {
    ...base,
    action: 'reconcile',
    reason:
      op === undefined || op.first === true
        ? `${payload.methodName} succeeded`
        : `${payload.methodName} operation ${op.id ?? '(no id)'} finished`,
  };
}

interface Located {
  project: string | null;
  scope: TriggerScope;
}

/** Reads the scope from resourceName, resource.labels and the request, strictly. */
function locate(shape: AuditShape, entry: LogEntry): Located {
  const payload = entry.protoPayload;
  const labels = entry.resource?.labels ?? {};
  const request = asRecord(payload?.request);
  const resourceName = payload?.resourceName;
  const rn: ParsedName | undefined =
    resourceName !== undefined && resourceName !== ''
      ? parseResourceName(resourceName, 'protoPayload.resourceName')
      : undefined;
  const part = (key: string): string | undefined => rn?.parts[key];
  const label = (key: string): string | undefined => {
    const value = labels[key];
    if (value === undefined || value === '') return undefined;
    return parseResourceName(value, `resource.labels.${key}`).name;
  };
  const ref = (value: unknown, what: string): ParsedName | undefined =>
    typeof value === 'string' && value !== '' ? parseResourceName(value, what) : undefined;
  const requestName = ref(request.name, 'protoPayload.request.name')?.name;

  const scope: TriggerScope = {};
  switch (shape) {
    case 'cluster': {
      const cluster = asRecord(request.cluster);
      const nodePool = asRecord(request.nodePool);
      scope.location = part('zones') ?? part('locations') ?? label('location');
      scope.cluster =
        part('clusters') ??
        label('cluster_name') ??
        ref(cluster.name, 'request.cluster.name')?.name;
      // Absent for cluster methods: their entries name no node pool.
      scope.nodePool =
        part('nodePools') ??
        label('nodepool_name') ??
        ref(nodePool.name, 'request.nodePool.name')?.name;
      scope.network = ref(cluster.network, 'request.cluster.network')?.name;
      const subnetwork = ref(cluster.subnetwork, 'request.cluster.subnetwork');
      scope.subnetwork = subnetwork?.name;
      scope.region = subnetwork?.parts.regions;
      break;
    }
    case 'peering': {
      const peering = asRecord(request.networkPeering);
      scope.network = part('networks');
      const peer =
        ref(peering.network, 'request.networkPeering.network') ??
        ref(request.peerNetwork, 'request.peerNetwork');
      scope.peerNetwork = peer?.name;
      scope.peerProject = peer?.parts.projects;
      // addPeering and updatePeering name the peering in networkPeering.name (addPeering's
      // older top-level `name` too); removePeering in the top-level `name`.
      // https://cloud.google.com/compute/docs/reference/rest/v1/networks/addPeering
      scope.resource = ref(peering.name, 'request.networkPeering.name')?.name ?? requestName;
      break;
    }
    case 'subnetwork':
      scope.region = part('regions') ?? label('location');
      scope.subnetwork = part('subnetworks') ?? label('subnetwork_name') ?? requestName;
      scope.resource = scope.subnetwork;
      scope.network = ref(request.network, 'request.network')?.name;
      break;
    case 'owned': {
      // Resources peerlink names (firewall rules, forwarding rules, backend services, health
      // checks): the last pair of resourceName is the resource, `regions/R` says regional.
      scope.region = part('regions') ?? label('region');
      scope.resource = (rn && rn.collection !== '' ? rn.name : undefined) ?? requestName;
      scope.network = ref(request.network, 'request.network')?.name;
      scope.subnetwork = ref(request.subnetwork, 'request.subnetwork')?.name;
    }
  }
  const project = label('project_id') ?? part('projects') ?? lenientProject(entry);
  return { project, scope: compact(scope) };
}

/** The project for any entry, never throwing: labels, then resourceName, then logName. */
function lenientProject(entry: LogEntry): string | null {
  const candidates = [
    entry.resource?.labels?.project_id,
    /^projects\/([^/]+)\//.exec(entry.protoPayload?.resourceName ?? '')?.[1],
    /^projects\/([^/]+)\/logs\//.exec(entry.logName)?.[1],
  ];
  return candidates.find((c) => c !== undefined && c !== '' && isSafeName(c)) ?? null;
}

function isSelf(principal: string | undefined, self: string | undefined): boolean {
  if (!principal || !self) return false;
  return principal.toLowerCase() === self.toLowerCase();
}

/** Request bodies are untyped: a field of the wrong type counts as absent. */
function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function compact(scope: TriggerScope): TriggerScope {
  return Object.fromEntries(
    Object.entries(scope).filter(([, v]) => v !== undefined && v !== ''),
  ) as TriggerScope;
}
