/**
 * What a resource kind is, in one place: how it is keyed, put in canonical form and compared,
 * when it is created and deleted, what it refers to, how peerlink marks it as its own, which
 * bootstrap steps provision it and which audit-log methods change it. Each kind is one module
 * exporting a `Kind`; `kinds.ts` is the table the planner, the executor, the events and the
 * adapters dispatch through.
 */

/** Ownership marker for APIs without labels (firewalls, health checks, backend services). */
export const OWNER_MARKER = '[managed-by=peerlink]';
export const NAME_PREFIX = 'peerlink-';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'peerlink';

/** One field that differs between desired and observed. */
export interface Change {
  readonly field: string;
  readonly before: unknown;
  readonly after: unknown;
}

/**
 * `managed`: peerlink creates, updates and deletes it. `infra`: bootstrap creates it once and then
 * leaves it to its owner; differences are reported as conflicts, never written.
 */
export type Lifecycle = 'managed' | 'infra';

/** The bootstrap steps, in order (functions/engine/bootstrap.ts says what each waits for). */
export const BOOTSTRAP_STEPS = [
  'networks and subnets',
  'peerings',
  'firewall rules',
  'clusters',
  'node pools',
  'backend workloads',
  'internal load balancer',
  'masquerade configuration',
] as const;
export type BootstrapStep = (typeof BOOTSTRAP_STEPS)[number];

/**
 * How an audit entry of the kind names what changed, which decides the reconcile's scope:
 * `cluster` (a GKE cluster or node pool), `peering` (both networks of a peering), `subnetwork`
 * (its network), `owned` (a resource peerlink names: only its own are followed).
 */
export type AuditShape = 'cluster' | 'peering' | 'subnetwork' | 'owned';

/** One audit-logged method, without its version prefix. */
export interface AuditMethod {
  /** `protoPayload.serviceName`. */
  readonly serviceName: string;
  /** e.g. `compute.networks.addPeering`, `ClusterManager.CreateNodePool`. */
  readonly method: string;
  /** What the change can affect, for people reading the table and the sink filter. */
  readonly affects: string;
  /**
   * The operation's `first` record reconciles at once instead of waiting for the last: the
   * operation itself waits on something peerlink holds (a delete whose groups are backends).
   */
  readonly reconcileOnFirst?: boolean;
  /** A failed record (non-zero `status.code`) reconciles too, to undo what its first record did. */
  readonly reconcileOnFailure?: boolean;
}

export interface KindAudit {
  readonly shape: AuditShape;
  /** The kind in words, for log lines (`firewall rule`). */
  readonly label: string;
  readonly methods: readonly AuditMethod[];
}

export interface Kind<R extends { readonly kind: string }, L extends Lifecycle = Lifecycle> {
  readonly kind: R['kind'];
  readonly lifecycle: L;
  /** Creation order: what others refer to comes first. Deletes run in reverse. */
  readonly phase: number;
  /** How peerlink recognises its own resources of this kind (for people). */
  readonly ownership: string;
  /** Bootstrap steps that provision this kind. */
  readonly steps: readonly BootstrapStep[];
  /** The audit-log methods that change resources of this kind; absent: none is watched. */
  readonly audit?: KindAudit;
  /** A key unique across every resource of every kind. */
  key(r: R): string;
  /** A short label for plans and logs; the key when absent. */
  label?(r: R): string;
  /** The canonical form: defaults filled, lists sorted. normalise(normalise(x)) = normalise(x). */
  normalise(r: R): R;
  /** The fields in which `have` differs from `want`, both normalised. */
  changes(want: R, have: R): Change[];
  /** Keys of the resources `r` refers to: it is held back while one of them is not peerlink's. */
  dependencies(r: R): readonly string[];
}

/** Sorted, without duplicates. */
export const sortedUnique = (list: readonly string[]): string[] => [...new Set(list)].sort();

/** Deep copy with object keys in order, dropping undefined values. */
export function canonicalJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = canonicalJson(v);
    }
    return out;
  }
  return value;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Every top-level field of `want` whose value differs in `have`: for flat value objects. */
export function fieldChanges<R extends object>(want: R, have: R): Change[] {
  const w = want as Record<string, unknown>;
  const h = have as Record<string, unknown>;
  return Object.keys(w)
    .filter((k) => !same(w[k], h[k]))
    .map((field) => ({ field, before: h[field], after: w[field] }));
}

export const COMPUTE_SERVICE = 'compute.googleapis.com';
export const GKE_SERVICE = 'container.googleapis.com';

/** Compute audit methods `compute.<collection>.<verb>`. */
export function computeMethods(
  collection: string,
  verbs: readonly string[],
  affects: string,
): AuditMethod[] {
  return verbs.map((verb) => ({
    serviceName: COMPUTE_SERVICE,
    method: `compute.${collection}.${verb}`,
    affects,
  }));
}

export const CRUD = ['insert', 'delete', 'patch', 'update'] as const;
