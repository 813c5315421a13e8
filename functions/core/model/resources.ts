/**
 * The resources peerlink manages, as plain readonly value objects. Desired and observed state use
 * the same shapes, so the planner compares like with like. Each kind lives in its own module
 * (`kind.ts` says what a kind is; `kinds.ts` is the table); this module gathers them.
 */
import { type KINDS, kindFor, type Resource, type ResourceKind } from './kinds.ts';

export type { Address } from './address.ts';
export type { BackendService } from './backend-service.ts';
export type { ClusterResource } from './cluster.ts';
export type { EgressNatPolicyEdit } from './egress-nat-policy.ts';
export type { Allowed, Firewall } from './firewall.ts';
export type { ForwardingRule } from './forwarding-rule.ts';
export type { HealthCheck } from './health-check.ts';
export { MANAGED_BY_LABEL, MANAGED_BY_VALUE, NAME_PREFIX, OWNER_MARKER } from './kind.ts';
export type { Resource, ResourceKind } from './kinds.ts';
export type { KubeObject } from './kube-object.ts';
export type { NetworkResource } from './network.ts';
export type { NodePoolResource } from './node-pool.ts';
export type { PeeringResource } from './peering.ts';
export type { SubnetworkResource } from './subnetwork.ts';

/** Infrastructure that bootstrap provisions. peerlink creates it but never updates or deletes it. */
export type InfraResource = Extract<Resource, { kind: InfraKind }>;

type InfraKind = {
  [K in ResourceKind]: (typeof KINDS)[K] extends { readonly lifecycle: 'infra' } ? K : never;
}[ResourceKind];

/** An observed resource: the value, whether peerlink owns it, and write preconditions. */
export interface Observed<R extends Resource = Resource> {
  readonly resource: R;
  readonly owned: boolean;
  /** Compute fingerprint or Kubernetes resourceVersion, sent back on update. */
  readonly version?: string;
}

/** A key unique across every managed resource. */
export function keyOf(r: Resource): string {
  return kindFor(r).key(r);
}

/** A short human label for plans and logs. */
export function labelOf(r: Resource): string {
  const kind = kindFor(r);
  return kind.label ? kind.label(r) : kind.key(r);
}
