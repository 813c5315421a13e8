/**
 * The resources peerlink manages, as plain readonly value objects. Desired and observed state use
 * the same shapes, so the planner compares like with like. Variants carry a `kind`.
 */

/** Ownership marker for APIs without labels (firewalls, health checks, backend services). */
export const OWNER_MARKER = '[managed-by=peerlink]';
export const NAME_PREFIX = 'peerlink-';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'peerlink';

export interface Allowed {
  readonly IPProtocol: string;
  readonly ports: readonly string[];
}

export interface Firewall {
  readonly kind: 'firewall';
  readonly name: string;
  readonly network: string;
  readonly direction: 'INGRESS' | 'EGRESS';
  readonly priority: number;
  readonly sourceRanges: readonly string[];
  readonly destinationRanges: readonly string[];
  readonly targetTags: readonly string[];
  readonly allowed: readonly Allowed[];
  readonly description: string;
}

export interface HealthCheck {
  readonly kind: 'healthCheck';
  readonly name: string;
  readonly region: string;
  readonly port: number;
  readonly description: string;
}

export interface BackendService {
  readonly kind: 'backendService';
  readonly name: string;
  readonly region: string;
  readonly network: string;
  readonly healthCheck: string;
  /** Instance groups as `projects/P/zones/Z/instanceGroups/NAME`. */
  readonly backends: readonly string[];
  readonly description: string;
}

export interface ForwardingRule {
  readonly kind: 'forwardingRule';
  readonly name: string;
  readonly region: string;
  readonly network: string;
  readonly subnetwork: string;
  readonly backendService: string;
  readonly ports: readonly string[];
  readonly allowGlobalAccess: boolean;
  readonly description: string;
}

/** A Kubernetes object in one cluster. `manifest` is what peerlink applies (no status). */
export interface KubeObject {
  readonly kind: 'kube';
  readonly cluster: string;
  readonly apiVersion: string;
  readonly objectKind: string;
  readonly namespace: string;
  readonly name: string;
  readonly manifest: Readonly<Record<string, unknown>>;
}

export type Resource = Firewall | HealthCheck | BackendService | ForwardingRule | KubeObject;
export type ResourceKind = Resource['kind'];

/** An observed resource: the value, whether peerlink owns it, and write preconditions. */
export interface Observed<R extends Resource = Resource> {
  readonly resource: R;
  readonly owned: boolean;
  /** Compute fingerprint or Kubernetes resourceVersion, sent back on update. */
  readonly version?: string;
}

/** A key unique across every managed resource. */
export function keyOf(r: Resource): string {
  switch (r.kind) {
    case 'firewall':
      return `firewall/${r.name}`;
    case 'healthCheck':
    case 'backendService':
    case 'forwardingRule':
      return `${r.kind}/${r.region}/${r.name}`;
    case 'kube':
      return `kube/${r.cluster}/${r.objectKind}/${r.namespace}/${r.name}`;
  }
}

/** A short human label for plans and logs. */
export function labelOf(r: Resource): string {
  return r.kind === 'kube' ? `${r.objectKind} ${r.cluster}:${r.namespace}/${r.name}` : keyOf(r);
}
