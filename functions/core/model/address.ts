/**
 * A reserved internal IPv4 address for an ILB's forwarding rule
 * (https://cloud.google.com/compute/docs/reference/rest/v1/addresses). Reserving it takes the
 * address out of the subnet's automatic allocation, so a forwarding rule that is deleted and
 * created again keeps it (https://cloud.google.com/vpc/docs/reserve-static-internal-ip-address).
 */
import { type Change, computeMethods, fieldChanges, type Kind } from './kind.ts';

export interface Address {
  readonly kind: 'address';
  readonly name: string;
  readonly region: string;
  /** The subnet the address is reserved in (short name): the forwarding rule's. */
  readonly subnetwork: string;
  /** The IPv4 address. Desired `''`: Compute allocates a free one from the subnet. */
  readonly address: string;
  readonly description: string;
}

/** The key of the address `name` in `region`. */
export const addressKey = (region: string, name: string): string => `address/${region}/${name}`;

/**
 * Compute has no patch or update for an address, only insert, delete and setLabels
 * (https://cloud.google.com/compute/docs/reference/rest/v1/addresses), so every difference is a
 * replacement. Only the subnet and a pinned address count: a description worded otherwise is not
 * worth a new IP, and an unpinned one keeps whatever Compute chose.
 */
function changes(want: Address, have: Address): Change[] {
  const pick = (r: Address, address: string) => ({ subnetwork: r.subnetwork, address });
  return fieldChanges(
    pick(want, want.address === '' ? have.address : want.address),
    pick(have, have.address),
  );
}

export const addressKind: Kind<Address, 'managed'> = {
  kind: 'address',
  lifecycle: 'managed',
  // Before the forwarding rule that uses it (9); deleted after it.
  phase: 8,
  ownership: 'name prefix `peerlink-` and the description marker',
  steps: ['internal load balancer'],
  audit: {
    shape: 'owned',
    label: 'address',
    methods: computeMethods('addresses', ['insert', 'delete'], "peerlink's own ILB addresses"),
  },
  key: (r) => addressKey(r.region, r.name),
  normalise: (r) => ({ ...r }),
  changes,
  dependencies: () => [],
};
