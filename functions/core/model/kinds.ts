/**
 * The table of resource kinds. The planner, the executor, the events and the adapters dispatch
 * through it; adding a kind is one module and one line here (ARCHITECTURE.md, "Adding a
 * resource kind").
 */
import { addressKind } from './address.ts';
import { backendServiceKind } from './backend-service.ts';
import { clusterKind } from './cluster.ts';
import { egressNatPolicyKind } from './egress-nat-policy.ts';
import { firewallKind } from './firewall.ts';
import { forwardingRuleKind } from './forwarding-rule.ts';
import { healthCheckKind } from './health-check.ts';
import type { Kind, Lifecycle } from './kind.ts';
import { kubeObjectKind } from './kube-object.ts';
import { networkKind } from './network.ts';
import { nodePoolKind } from './node-pool.ts';
import { peeringKind } from './peering.ts';
import { subnetworkKind } from './subnetwork.ts';

export const KINDS = {
  network: networkKind,
  subnetwork: subnetworkKind,
  peering: peeringKind,
  cluster: clusterKind,
  nodePool: nodePoolKind,
  kube: kubeObjectKind,
  egressNatPolicy: egressNatPolicyKind,
  firewall: firewallKind,
  healthCheck: healthCheckKind,
  backendService: backendServiceKind,
  address: addressKind,
  forwardingRule: forwardingRuleKind,
} as const;

type ResourceOf<K> = K extends Kind<infer R, Lifecycle> ? R : never;

/** Every resource peerlink knows, as a union discriminated by `kind`. */
export type Resource = {
  [K in keyof typeof KINDS]: ResourceOf<(typeof KINDS)[K]>;
}[keyof typeof KINDS];
export type ResourceKind = Resource['kind'];

/** The module of `r`'s kind, typed for `r`. */
export function kindFor<R extends Resource>(r: R): Kind<R> {
  return KINDS[r.kind] as unknown as Kind<R>;
}
