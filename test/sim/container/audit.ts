import { randomBytes } from 'node:crypto';
import type { Sim } from '../core/sim.ts';
import type { JsonObject } from '../core/store.ts';

/** The GKE facts one mutation's audit records carry. */
export interface GkeAudit {
  project: string;
  location: string;
  /** `CreateCluster`, `DeleteNodePool`, ... (prefixed with google.container.v1.ClusterManager.). */
  method: string;
  /** `projects/P/zones/Z/clusters/C[/nodePools/N]`. */
  resourceName: string;
  resourceType: 'gke_cluster' | 'gke_nodepool';
  resourceLabels: Record<string, string>;
  principal: string;
  userAgent?: string;
  /** e.g. `container.clusters.create`; node-pool methods check `container.clusters.update` on the cluster. */
  permission: string;
  /** The cluster's resource name: what the permission is checked on. */
  permissionResource: string;
  request: JsonObject;
  /** Locations the resource lives in (`resourceLocation.currentLocations`). */
  locations: string[];
}

const SERVICE = 'container.googleapis.com';

function common(): JsonObject {
  return { policyViolationInfo: { orgPolicyViolationInfo: {} } };
}

// GKE's authorizationInfo names the cluster as a container.googleapis.com/Cluster (compare the
// real cluster_creation_started.json from GoogleCloudPlatform/khi's test/logs/gke_audit, kept in
// shared/events beside the clone).
function authorization(a: GkeAudit): JsonObject[] {
  return [
    {
      granted: true,
      permission: a.permission,
      permissionType: 'ADMIN_WRITE',
      resource: a.permissionResource,
      resourceAttributes: {
        name: a.permissionResource,
        service: SERVICE,
        type: 'container.googleapis.com/Cluster',
      },
    },
  ];
}

/**
 * The `first` record of a GKE long-running operation: caller, authorization, request and the
 * Operation as response. Format as in the real sample
 * shared/events/nodepool_creation_started.json;
 * https://cloud.google.com/kubernetes-engine/docs/how-to/audit-logging
 */
export function writeFirst(sim: Sim, a: GkeAudit, operation: JsonObject): void {
  sim.audit.write({
    project: a.project,
    serviceName: SERVICE,
    methodName: `google.container.v1.ClusterManager.${a.method}`,
    resourceName: a.resourceName,
    resourceType: a.resourceType,
    resourceLabels: a.resourceLabels,
    principal: a.principal,
    ...(a.userAgent ? { userAgent: a.userAgent } : {}),
    locations: a.locations,
    request: a.request,
    requestType: `type.googleapis.com/google.container.v1.${a.method}Request`,
    response: operation,
    responseType: 'type.googleapis.com/google.container.v1.Operation',
    operation: { id: String(operation.name), producer: SERVICE, first: true },
    extra: { ...common(), authorizationInfo: authorization(a) },
  });
}

/**
 * The `last` record: no caller, request or response; `metadata` with the operation type and a
 * request id, and `status` ({} on success, google.rpc.Status on failure).
 * Format as in the real sample shared/events/nodepool_creation_finished.json.
 */
export function writeLast(
  sim: Sim,
  a: GkeAudit,
  operation: JsonObject,
  failure?: { code: number; message: string },
): void {
  const entry = sim.audit.write({
    project: a.project,
    serviceName: SERVICE,
    methodName: `google.container.v1.ClusterManager.${a.method}`,
    resourceName: a.resourceName,
    resourceType: a.resourceType,
    resourceLabels: a.resourceLabels,
    principal: a.principal,
    locations: a.locations,
    operation: { id: String(operation.name), producer: SERVICE, last: true },
    ...(failure ? { status: failure } : {}),
    extra: {
      ...common(),
      metadata: {
        operationType: String(operation.operationType),
        requestID: `0x${randomBytes(8).toString('hex')}`,
      },
      ...(failure ? {} : { status: {} }),
    },
  });
  // Real last records carry no caller (authenticationInfo) nor requestMetadata. The core's
  // AuditLog.write always adds both, so they are removed here, synchronously, before the sink
  // serialises the entry (it publishes on a later tick). Hook asked of the core: an option to
  // leave them out.
  delete entry.protoPayload.authenticationInfo;
  delete entry.protoPayload.requestMetadata;
}

/**
 * A request GKE refused after accepting it for processing: a single record with `status` and
 * no `operation` (compare the real sample
 * shared/events/cluster_creation_started_with_error.json).
 */
export function writeRejected(
  sim: Sim,
  a: GkeAudit,
  failure: { code: number; message: string },
): void {
  sim.audit.write({
    project: a.project,
    serviceName: SERVICE,
    methodName: `google.container.v1.ClusterManager.${a.method}`,
    resourceName: a.resourceName,
    resourceType: a.resourceType,
    resourceLabels: a.resourceLabels,
    principal: a.principal,
    ...(a.userAgent ? { userAgent: a.userAgent } : {}),
    locations: a.locations,
    request: a.request,
    requestType: `type.googleapis.com/google.container.v1.${a.method}Request`,
    response: {},
    responseType: 'type.googleapis.com/google.container.v1.Operation',
    status: failure,
    extra: { ...common(), authorizationInfo: authorization(a) },
  });
}
