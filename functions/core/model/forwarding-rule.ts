/** An internal forwarding rule (https://cloud.google.com/compute/docs/reference/rest/v1/forwardingRules). */
import { addressKey } from './address.ts';
import { backendServiceKey } from './backend-service.ts';
import { computeMethods, fieldChanges, type Kind, sortedUnique } from './kind.ts';

export interface ForwardingRule {
  readonly kind: 'forwardingRule';
  readonly name: string;
  readonly region: string;
  readonly network: string;
  readonly subnetwork: string;
  readonly backendService: string;
  readonly ports: readonly string[];
  readonly allowGlobalAccess: boolean;
  /** The reserved address (short name) whose IP the rule serves; `''` for an ephemeral IP. */
  readonly address: string;
  /**
   * The rule's IP. Desired: the topology's pinned address, or `''` for whatever `address` holds.
   * Observed: the IP number, which Compute always returns (ForwardingRule.IPAddress).
   */
  readonly IPAddress: string;
  readonly description: string;
}

export const forwardingRuleKind: Kind<ForwardingRule, 'managed'> = {
  kind: 'forwardingRule',
  lifecycle: 'managed',
  phase: 9,
  ownership: 'name prefix `peerlink-` and the description marker',
  steps: ['internal load balancer'],
  audit: {
    shape: 'owned',
    label: 'forwarding rule',
    methods: computeMethods(
      'forwardingRules',
      ['insert', 'delete', 'patch'],
      "peerlink's own ILB forwarding rules",
    ),
  },
  key: (r) => `forwardingRule/${r.region}/${r.name}`,
  normalise: (r) => ({
    ...r,
    ports: sortedUnique(r.ports),
    allowGlobalAccess: r.allowGlobalAccess ?? false,
    address: r.address ?? '',
    IPAddress: r.IPAddress ?? '',
  }),
  // A desired IPAddress of '' takes the observed one: the reserved address decides it.
  changes: (want, have) =>
    fieldChanges(want.IPAddress === '' ? { ...want, IPAddress: have.IPAddress } : want, have),
  dependencies: (r) => [
    backendServiceKey(r.region, r.backendService),
    ...(r.address ? [addressKey(r.region, r.address)] : []),
  ],
};
