/** A VPC network (https://cloud.google.com/compute/docs/reference/rest/v1/networks). */
import { fieldChanges, type Kind } from './kind.ts';

export interface NetworkResource {
  readonly kind: 'network';
  readonly name: string;
  readonly description: string;
}

export const networkKind: Kind<NetworkResource, 'infra'> = {
  kind: 'network',
  lifecycle: 'infra',
  phase: 0,
  ownership: 'the description marker',
  steps: ['networks and subnets'],
  key: (r) => `network/${r.name}`,
  normalise: (r) => ({ ...r }),
  changes: fieldChanges,
  dependencies: () => [],
};
