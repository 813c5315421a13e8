/** One side of a VPC peering (https://cloud.google.com/compute/docs/reference/rest/v1/networks/addPeering). */
import { computeMethods, fieldChanges, type Kind } from './kind.ts';

/** One side of a VPC peering: `network` peers with `peerNetwork`. */
export interface PeeringResource {
  readonly kind: 'peering';
  readonly name: string;
  readonly network: string;
  readonly peerNetwork: string;
  readonly exportCustomRoutes: boolean;
  readonly importCustomRoutes: boolean;
}

export const peeringKind: Kind<PeeringResource, 'infra'> = {
  kind: 'peering',
  lifecycle: 'infra',
  phase: 2,
  ownership: 'name prefix `peerlink-`',
  steps: ['peerings'],
  audit: {
    shape: 'peering',
    label: 'peering',
    methods: computeMethods(
      'networks',
      ['addPeering', 'removePeering', 'updatePeering'],
      'imported ranges: masquerade CIDRs, firewall sources, reachability',
    ),
  },
  key: (r) => `peering/${r.network}/${r.name}`,
  normalise: (r) => ({ ...r }),
  changes: fieldChanges,
  dependencies: () => [],
};
