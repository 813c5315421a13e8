/** A VPC firewall rule (https://cloud.google.com/compute/docs/reference/rest/v1/firewalls). */
import { CRUD, computeMethods, fieldChanges, type Kind, sortedUnique } from './kind.ts';

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

function allowed(list: readonly Allowed[]): Allowed[] {
  return list
    .map((a) => ({ IPProtocol: a.IPProtocol.toLowerCase(), ports: sortedUnique(a.ports) }))
    .sort((x, y) =>
      `${x.IPProtocol}:${x.ports.join(',')}`.localeCompare(`${y.IPProtocol}:${y.ports.join(',')}`),
    );
}

export const firewallKind: Kind<Firewall, 'managed'> = {
  kind: 'firewall',
  lifecycle: 'managed',
  phase: 6,
  ownership: 'name prefix `peerlink-` and the description marker',
  // Ingress rules target the provider's node tag, known only once its nodes exist: what waits
  // for it is created with the load balancer.
  steps: ['firewall rules', 'internal load balancer'],
  audit: {
    shape: 'owned',
    label: 'firewall rule',
    methods: computeMethods('firewalls', CRUD, "peerlink's own firewall rules"),
  },
  key: (r) => `firewall/${r.name}`,
  normalise: (r) => ({
    ...r,
    // Compute's default priority (firewalls resource, `priority`).
    priority: r.priority ?? 1000,
    sourceRanges: sortedUnique(r.sourceRanges),
    destinationRanges: sortedUnique(r.destinationRanges),
    targetTags: sortedUnique(r.targetTags),
    allowed: allowed(r.allowed),
  }),
  changes: fieldChanges,
  dependencies: () => [],
};
