import { isObject, type Json, type JsonObject } from './json.ts';
import type { ResourceType } from './resources.ts';

/** True when the client asks for server-side printing (`Accept: ...;as=Table;...`). */
export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((t) => /;\s*as=Table/.test(t) && /g=meta\.k8s\.io/.test(t));
}

/** Content-Type of a Table response (always meta.k8s.io/v1, which kubectl asks for first). */
export function tableContentType(): string {
  return 'application/json;as=Table;v=v1;g=meta.k8s.io';
}

/** kubectl's short durations (k8s.io/apimachinery/pkg/util/duration.HumanDuration). */
export function humanAge(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  const d = Math.floor(h / 24);
  if (s < 120) return `${s}s`;
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (h < 3) return `${m}m`;
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (d < 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  return `${d}d`;
}

interface Column {
  readonly name: string;
  readonly type: string;
  readonly format?: string;
  readonly cell: (o: JsonObject) => Json;
}

function spec(o: JsonObject): JsonObject {
  return isObject(o.spec) ? o.spec : {};
}
function status(o: JsonObject): JsonObject {
  return isObject(o.status) ? o.status : {};
}
function num(v: Json | undefined): number {
  return typeof v === 'number' ? v : 0;
}

// The columns the real API server prints for these kinds (kubectl get <kind>).
const COLUMNS: Record<string, Column[]> = {
  ConfigMap: [
    {
      name: 'Data',
      type: 'integer',
      cell: (o) => (isObject(o.data) ? Object.keys(o.data).length : 0),
    },
  ],
  Secret: [
    { name: 'Type', type: 'string', cell: (o) => String(o.type ?? 'Opaque') },
    {
      name: 'Data',
      type: 'integer',
      cell: (o) => (isObject(o.data) ? Object.keys(o.data).length : 0),
    },
  ],
  Namespace: [{ name: 'Status', type: 'string', cell: (o) => String(status(o).phase ?? 'Active') }],
  ServiceAccount: [],
  Node: [
    {
      name: 'Status',
      type: 'string',
      cell: (o) => {
        const conditions = Array.isArray(status(o).conditions)
          ? (status(o).conditions as Json[])
          : [];
        const ready = conditions.filter(isObject).find((c) => c.type === 'Ready');
        return ready?.status === 'True' ? 'Ready' : 'NotReady';
      },
    },
    { name: 'Roles', type: 'string', cell: () => '<none>' },
  ],
  Service: [
    { name: 'Type', type: 'string', cell: (o) => String(spec(o).type ?? 'ClusterIP') },
    { name: 'Cluster-IP', type: 'string', cell: (o) => String(spec(o).clusterIP ?? '<none>') },
    {
      name: 'External-IP',
      type: 'string',
      cell: (o) => {
        const lb = isObject(status(o).loadBalancer) ? (status(o).loadBalancer as JsonObject) : {};
        const ips = (Array.isArray(lb.ingress) ? lb.ingress : []).flatMap((i) =>
          isObject(i) && typeof i.ip === 'string' ? [i.ip] : [],
        );
        if (ips.length > 0) return ips.join(',');
        return spec(o).type === 'LoadBalancer' ? '<pending>' : '<none>';
      },
    },
    {
      name: 'Port(s)',
      type: 'string',
      cell: (o) =>
        (Array.isArray(spec(o).ports) ? (spec(o).ports as Json[]) : [])
          .filter(isObject)
          .map(
            (p) =>
              `${String(p.port)}${p.nodePort ? `:${String(p.nodePort)}` : ''}/${String(p.protocol ?? 'TCP')}`,
          )
          .join(',') || '<none>',
    },
  ],
  Deployment: [
    {
      name: 'Ready',
      type: 'string',
      cell: (o) => `${num(status(o).readyReplicas)}/${num(spec(o).replicas)}`,
    },
    { name: 'Up-to-date', type: 'integer', cell: (o) => num(status(o).updatedReplicas) },
    { name: 'Available', type: 'integer', cell: (o) => num(status(o).availableReplicas) },
  ],
  DaemonSet: [
    { name: 'Desired', type: 'integer', cell: (o) => num(status(o).desiredNumberScheduled) },
    { name: 'Current', type: 'integer', cell: (o) => num(status(o).currentNumberScheduled) },
    { name: 'Ready', type: 'integer', cell: (o) => num(status(o).numberReady) },
    { name: 'Up-to-date', type: 'integer', cell: (o) => num(status(o).updatedNumberScheduled) },
    { name: 'Available', type: 'integer', cell: (o) => num(status(o).numberAvailable) },
  ],
};

// Columns printed after Age (kubectl get nodes: NAME STATUS ROLES AGE VERSION).
const AFTER_AGE: Record<string, Column[]> = {
  Node: [
    {
      name: 'Version',
      type: 'string',
      cell: (o) => {
        const info = isObject(status(o).nodeInfo) ? (status(o).nodeInfo as JsonObject) : {};
        return String(info.kubeletVersion ?? '');
      },
    },
  ],
};

/**
 * A `meta.k8s.io` Table of one object or a list, as the API server prints for kubectl.
 * https://kubernetes.io/docs/reference/using-api/api-concepts/#receiving-resources-as-tables
 */
export function toTable(rt: ResourceType, body: JsonObject, now = Date.now()): JsonObject {
  const items = Array.isArray(body.items) ? body.items.filter(isObject) : [body];
  const columns: Column[] = [
    {
      name: 'Name',
      type: 'string',
      format: 'name',
      cell: (o) => String((o.metadata as JsonObject).name),
    },
    ...(COLUMNS[rt.kind] ?? []),
    {
      name: 'Age',
      type: 'string',
      cell: (o) => {
        const created = Date.parse(String((o.metadata as JsonObject).creationTimestamp));
        return Number.isNaN(created) ? '<unknown>' : humanAge((now - created) / 1000);
      },
    },
    ...(AFTER_AGE[rt.kind] ?? []),
  ];
  const meta = isObject(body.metadata) ? body.metadata : {};
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: String(meta.resourceVersion ?? '') },
    columnDefinitions: columns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description: '',
      priority: 0,
    })),
    rows: items.map((o) => ({
      cells: columns.map((c) => c.cell(o)),
      object: {
        kind: 'PartialObjectMetadata',
        apiVersion: 'meta.k8s.io/v1',
        metadata: o.metadata ?? {},
      },
    })),
  };
}
