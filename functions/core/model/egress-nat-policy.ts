/**
 * peerlink's edit of an Autopilot cluster's `default` EgressNATPolicy: the NoSNAT destinations
 * it removed because they cover destinations the cluster's pods must reach masqueraded, and those
 * it added in their place (what remains of each removed one). GKE creates the policy and lets
 * users edit it (https://cloud.google.com/kubernetes-engine/docs/how-to/egress-nat-policy-ip-masq-autopilot);
 * peerlink never creates or deletes it, and changes no destination beyond its ledger, which it
 * keeps in the policy's annotations (manifests/egress-nat-policy.ts).
 */
import { fieldChanges, type Kind, sortedUnique } from './kind.ts';

/** The `default` policy as peerlink reads it (a fact desire depends on). */
export interface EgressNatPolicyFacts {
  /** `spec.destinations[].cidr`, as the policy holds them. */
  readonly destinations: readonly string[];
  /** peerlink's ledger: what it removed, and what it added in their place. */
  readonly removed: readonly string[];
  readonly added: readonly string[];
}

/** The policy once peerlink's edit is in place; observed, the policy as it is. */
export interface EgressNatPolicyEdit extends EgressNatPolicyFacts {
  readonly kind: 'egressNatPolicy';
  readonly cluster: string;
  /** The policy's name: always `default`. */
  readonly name: string;
}

export const egressNatPolicyKind: Kind<EgressNatPolicyEdit, 'managed'> = {
  kind: 'egressNatPolicy',
  lifecycle: 'managed',
  phase: 5,
  ownership:
    "the destinations the default policy's annotations peerlink/removed-destinations and peerlink/added-destinations record; the policy is GKE's",
  steps: ['masquerade configuration'],
  key: (r) => `egressNatPolicy/${r.cluster}/${r.name}`,
  label: (r) => `EgressNATPolicy ${r.cluster}:${r.name}`,
  // The order of destinations does not matter to the policy; duplicates say nothing more.
  normalise: (r) => ({
    ...r,
    destinations: sortedUnique(r.destinations),
    removed: sortedUnique(r.removed),
    added: sortedUnique(r.added),
  }),
  changes: fieldChanges,
  dependencies: () => [],
};
