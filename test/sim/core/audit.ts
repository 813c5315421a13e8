import { randomBytes } from 'node:crypto';
import type { JsonObject } from './store.ts';

/** What a simulated part tells the audit log about one mutation record. */
export interface AuditRecord {
  project: string;
  /** e.g. `compute.googleapis.com`, `container.googleapis.com`. */
  serviceName: string;
  /** e.g. `v1.compute.networks.addPeering`, `google.container.v1.ClusterManager.CreateCluster`. */
  methodName: string;
  /** e.g. `projects/p/global/firewalls/f`, `projects/p/zones/z/clusters/c`. */
  resourceName: string;
  /** Monitored resource type, e.g. `gce_firewall_rule`; `project_id` is added to the labels. */
  resourceType: string;
  resourceLabels?: Record<string, string>;
  principal: string;
  /** Request body; `@type` is put first when given in `requestType`. */
  request?: JsonObject;
  /** e.g. `type.googleapis.com/compute.firewalls.insert`. */
  requestType?: string;
  /** Response (the operation) on the first record. */
  response?: JsonObject;
  /** e.g. `type.googleapis.com/operation`. */
  responseType?: string;
  /** Long-running operation link: same id on the first and the last record. */
  operation?: { id: string; producer: string; first?: boolean; last?: boolean };
  /** Failure: google.rpc.Status; makes the severity ERROR. */
  status?: { code: number; message: string };
  /** Permission checked, for authorizationInfo (e.g. `compute.firewalls.create`). */
  permission?: string;
  /** resourceLocation.currentLocations, e.g. `['us-central1']`. */
  locations?: string[];
  userAgent?: string;
  /** Extra protoPayload fields (e.g. GKE's `metadata`). */
  extra?: JsonObject;
}

/** A Cloud Logging LogEntry as the simulator writes it. */
export type LogEntry = JsonObject & {
  insertId: string;
  logName: string;
  timestamp: string;
  protoPayload: JsonObject;
};

/** Called with every entry written (the sink uses it). */
export type LogListener = (entry: LogEntry) => void;

/**
 * Admin Activity audit log. Entries follow the LogEntry/AuditLog format documented at
 * https://cloud.google.com/logging/docs/reference/audit/auditlog/rest/Shared.Types/AuditLog and
 * https://cloud.google.com/logging/docs/audit/understanding-audit-logs (logName
 * `projects/P/logs/cloudaudit.googleapis.com%2Factivity`, protoPayload @type AuditLog, operation
 * first/last sharing an id). Compare shared/events/firewall-insert.json beside the clone (a
 * real entry).
 */
export class AuditLog {
  #entries: LogEntry[] = [];
  readonly #listeners: LogListener[] = [];

  /** Writes one entry and returns it. */
  write(r: AuditRecord): LogEntry {
    const now = new Date().toISOString();
    const protoPayload: JsonObject = {
      '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
      authenticationInfo: { principalEmail: r.principal },
      requestMetadata: {
        callerIp: '127.0.0.1',
        callerSuppliedUserAgent: r.userAgent ?? 'peerlink-sim',
      },
      serviceName: r.serviceName,
      methodName: r.methodName,
      resourceName: r.resourceName,
    };
    if (r.permission) {
      protoPayload.authorizationInfo = [
        {
          permission: r.permission,
          granted: true,
          // Mutations are Admin Activity: https://cloud.google.com/logging/docs/audit#admin-activity
          permissionType: 'ADMIN_WRITE',
          resourceAttributes: {
            service: r.serviceName.replace('.googleapis.com', ''),
            name: r.resourceName,
            type: r.permission.split('.').slice(0, 2).join('.'),
          },
        },
      ];
    }
    if (r.locations) protoPayload.resourceLocation = { currentLocations: r.locations };
    if (r.request) {
      protoPayload.request = r.requestType ? { '@type': r.requestType, ...r.request } : r.request;
    }
    if (r.response) {
      protoPayload.response = r.responseType
        ? { '@type': r.responseType, ...r.response }
        : r.response;
    }
    if (r.status) protoPayload.status = r.status;
    if (r.extra) Object.assign(protoPayload, r.extra);
    const entry: LogEntry = {
      insertId: randomBytes(6).toString('hex'),
      logName: `projects/${r.project}/logs/cloudaudit.googleapis.com%2Factivity`,
      protoPayload,
      resource: { type: r.resourceType, labels: { ...r.resourceLabels, project_id: r.project } },
      severity: r.status ? 'ERROR' : 'NOTICE',
      timestamp: now,
      receiveTimestamp: now,
    };
    if (r.operation) {
      const op: JsonObject = { id: r.operation.id, producer: r.operation.producer };
      if (r.operation.first) op.first = true;
      if (r.operation.last) op.last = true;
      entry.operation = op;
    }
    this.#entries.push(entry);
    for (const l of this.#listeners) l(entry);
    return entry;
  }

  /** Entries from index `since` on (0 = all). */
  list(since = 0): LogEntry[] {
    return this.#entries.slice(Math.max(0, since));
  }

  /** Number of entries written so far (the next `since`). */
  get size(): number {
    return this.#entries.length;
  }

  /** Registers a listener for new entries. */
  onEntry(listener: LogListener): void {
    this.#listeners.push(listener);
  }

  save(): LogEntry[] {
    return structuredClone(this.#entries);
  }

  load(entries: LogEntry[]): void {
    this.#entries = structuredClone(entries ?? []);
  }

  reset(): void {
    this.#entries = [];
  }
}
