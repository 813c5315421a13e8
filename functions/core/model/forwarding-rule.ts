/** An internal forwarding rule (https://cloud.google.com/compute/docs/reference/rest/v1/forwardingRules). */
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
  }),
  changes: fieldChanges,
  dependencies: (r) => [backendServiceKey(r.region, r.backendService)],
};
