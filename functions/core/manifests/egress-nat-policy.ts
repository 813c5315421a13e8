/**
 * The `default` EgressNATPolicy of an Autopilot cluster as peerlink reads and patches it
 * (https://cloud.google.com/kubernetes-engine/docs/how-to/egress-nat-policy-ip-masq-autopilot:
 * `networking.gke.io/v1`, cluster-scoped, `spec.action: NoSNAT`, `spec.destinations[].cidr`).
 * The policy is GKE's, so it carries no managed-by label; peerlink marks what it owns in it, the
 * destinations it changed, with annotations of its own, as it marks its own objects with its
 * label.
 */
import { GKE_NON_MASQUERADE_DEFAULTS } from '../desire/masquerade.ts';
import type { EgressNatPolicyEdit, EgressNatPolicyFacts } from '../model/egress-nat-policy.ts';
import { MANAGED_BY_VALUE } from '../model/resources.ts';
import type { Manifest } from './backend.ts';

export const EGRESS_NAT_POLICY_API_VERSION = 'networking.gke.io/v1';
export const EGRESS_NAT_POLICY_KIND = 'EgressNATPolicy';
/** The policy GKE creates for users to edit. */
export const DEFAULT_EGRESS_NAT_POLICY = 'default';
/**
 * The destinations of the `default` policy as GKE creates it: GKE's default non-masquerade
 * destinations (IP masquerade concepts page, Autopilot row), the same set the Standard nodes'
 * IP-MASQ chain leaves alone.
 */
export const GKE_DEFAULT_POLICY = GKE_NON_MASQUERADE_DEFAULTS;

/** Destinations peerlink removed from the policy, comma-separated. */
export const REMOVED_ANNOTATION = `${MANAGED_BY_VALUE}/removed-destinations`;
/** Destinations peerlink added to the policy in their place, comma-separated. */
export const ADDED_ANNOTATION = `${MANAGED_BY_VALUE}/added-destinations`;

const list = (value: unknown): string[] =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
    : [];

/** The policy's destinations and peerlink's ledger, from the object as the API returns it. */
export function egressNatPolicyFacts(m: Manifest): EgressNatPolicyFacts {
  const meta = (m.metadata ?? {}) as { annotations?: Record<string, unknown> };
  const spec = (m.spec ?? {}) as { destinations?: unknown };
  const destinations = Array.isArray(spec.destinations)
    ? spec.destinations.flatMap((d) =>
        d !== null && typeof d === 'object' && typeof (d as { cidr?: unknown }).cidr === 'string'
          ? [(d as { cidr: string }).cidr]
          : [],
      )
    : [];
  return {
    destinations,
    removed: list(meta.annotations?.[REMOVED_ANNOTATION]),
    added: list(meta.annotations?.[ADDED_ANNOTATION]),
  };
}

/**
 * The JSON merge patch (RFC 7396) that puts `edit` in place: the destinations list is replaced
 * as a whole (custom resources take no strategic merge patch), the ledger's annotations are set,
 * or removed (null) when empty, and nothing else is named. With `resourceVersion`, the server
 * refuses it with 409 Conflict if the policy changed since it was read.
 */
export function egressNatPolicyPatch(
  edit: EgressNatPolicyEdit,
  resourceVersion?: string,
): Manifest {
  const annotation = (cidrs: readonly string[]) => (cidrs.length > 0 ? cidrs.join(',') : null);
  return {
    apiVersion: EGRESS_NAT_POLICY_API_VERSION,
    kind: EGRESS_NAT_POLICY_KIND,
    metadata: {
      name: edit.name,
      ...(resourceVersion ? { resourceVersion } : {}),
      annotations: {
        [REMOVED_ANNOTATION]: annotation(edit.removed),
        [ADDED_ANNOTATION]: annotation(edit.added),
      },
    },
    spec: { destinations: edit.destinations.map((cidr) => ({ cidr })) },
  };
}
