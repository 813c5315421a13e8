/** A subnet with its secondary ranges (https://cloud.google.com/compute/docs/reference/rest/v1/subnetworks). */
import { computeMethods, fieldChanges, type Kind } from './kind.ts';

export interface SubnetworkResource {
  readonly kind: 'subnetwork';
  readonly name: string;
  readonly network: string;
  readonly region: string;
  readonly range: string;
  readonly secondaryRanges: readonly { readonly name: string; readonly range: string }[];
  readonly description: string;
}

export const subnetworkKind: Kind<SubnetworkResource, 'infra'> = {
  kind: 'subnetwork',
  lifecycle: 'infra',
  phase: 1,
  ownership: 'the description marker',
  steps: ['networks and subnets'],
  audit: {
    shape: 'subnetwork',
    label: 'subnetwork',
    methods: computeMethods(
      'subnetworks',
      ['insert', 'delete', 'patch', 'expandIpCidrRange'],
      'node and pod ranges seen over peerings',
    ),
  },
  key: (r) => `subnetwork/${r.region}/${r.name}`,
  normalise: (r) => ({
    ...r,
    secondaryRanges: [...r.secondaryRanges].sort((a, b) => a.name.localeCompare(b.name)),
  }),
  changes: fieldChanges,
  dependencies: () => [],
};
