/**
 * The narrow interfaces between peerlink's core and the outside world. The reconciler and
 * bootstrap only ever talk to these; `functions/gcp/` implements them over the real Google
 * and Kubernetes clients. Every method throws only the errors in `errors.ts`.
 */
import type { ClusterFacts, NetworkFacts } from './model/facts.ts';
import type { InfraResource, Observed, Resource } from './model/resources.ts';

/** An infrastructure resource to look up: its kind and identifying fields. */
export type InfraRef = InfraResource;

/** Where to look for managed resources. */
export interface ListScope {
  /** Networks (short names) whose firewall rules to list. */
  readonly networks: readonly string[];
  /** Regions whose health checks, backend services and forwarding rules to list. */
  readonly regions: readonly string[];
  /** Clusters whose Kubernetes objects to list, with their GKE location. */
  readonly clusters: readonly { readonly name: string; readonly location: string }[];
  /**
   * Kubernetes objects to read by name even if peerlink does not own them, so that a
   * same-named foreign object shows up as a conflict.
   */
  readonly kubeNames: readonly KubeRef[];
  /** Infrastructure to read by name (bootstrap only). */
  readonly infra?: readonly InfraRef[];
}

export interface KubeRef {
  readonly cluster: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/**
 * Reads and writes the resources peerlink manages. `list` returns every resource named with
 * the peerlink prefix in scope (owned or not, so that conflicts are visible) and every owned
 * Kubernetes object. Writes carry a deterministic requestId so a retried call cannot act twice,
 * and wait for the operation they start; an operation that ends in error throws.
 */
export interface ResourcePort {
  list(scope: ListScope): Promise<Observed[]>;
  create(resource: Resource, requestId: string): Promise<void>;
  update(resource: Resource, observed: Observed, requestId: string): Promise<void>;
  delete(observed: Observed, requestId: string): Promise<void>;
}

/** Reads the facts desired state depends on. Null means the thing does not exist. */
export interface FactsPort {
  network(name: string): Promise<NetworkFacts | null>;
  cluster(location: string, name: string): Promise<ClusterFacts | null>;
}
