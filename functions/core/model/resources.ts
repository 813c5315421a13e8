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

/** Infrastructure that bootstrap provisions. peerlink creates it but never updates or deletes it. */
export interface NetworkResource {
  readonly kind: 'network';
  readonly name: string;
  readonly description: string;
}

export interface SubnetworkResource {
  readonly kind: 'subnetwork';
  readonly name: string;
  readonly network: string;
  readonly region: string;
  readonly range: string;
  readonly secondaryRanges: readonly { readonly name: string; readonly range: string }[];
  readonly description: string;
}

/** One side of a VPC peering: `network` peers with `peerNetwork`. */
export interface PeeringResource {
  readonly kind: 'peering';
  readonly name: string;
  readonly network: string;
  readonly peerNetwork: string;
  readonly exportCustomRoutes: boolean;
  readonly importCustomRoutes: boolean;
}

export interface ClusterResource {
  readonly kind: 'cluster';
  readonly name: string;
  readonly location: string;
  readonly network: string;
  readonly subnetwork: string;
  readonly mode: 'routes' | 'vpc-native';
  /** Routes mode: CIDRs. VPC-native: secondary range names. */
  readonly podRange: string;
  readonly serviceRange: string;
  readonly nodeLocations: readonly string[];
}

export interface NodePoolResource {
  readonly kind: 'nodePool';
  readonly name: string;
  readonly cluster: string;
  readonly location: string;
  readonly nodeCount: number;
  readonly machineType: string;
}

export type InfraResource =
  | NetworkResource
  | SubnetworkResource
  | PeeringResource
  | ClusterResource
  | NodePoolResource;

export type ManagedResource = Firewall | HealthCheck | BackendService | ForwardingRule | KubeObject;
export type Resource = ManagedResource | InfraResource;
export type ResourceKind = Resource['kind'];

/** Kinds peerlink only ever creates. */
export const INFRA_KINDS: ReadonlySet<ResourceKind> = new Set([
  'network',
  'subnetwork',
  'peering',
  'cluster',
  'nodePool',
]);

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
    case 'network':
      return `network/${r.name}`;
    case 'subnetwork':
      return `subnetwork/${r.region}/${r.name}`;
    case 'peering':
      return `peering/${r.network}/${r.name}`;
    case 'cluster':
      return `cluster/${r.location}/${r.name}`;
    case 'nodePool':
      return `nodePool/${r.location}/${r.cluster}/${r.name}`;
  }
}

/** A short human label for plans and logs. */
export function labelOf(r: Resource): string {
  return r.kind === 'kube' ? `${r.objectKind} ${r.cluster}:${r.namespace}/${r.name}` : keyOf(r);
}
