/**
 * A regional backend service of an internal passthrough load balancer
 * (https://cloud.google.com/compute/docs/reference/rest/v1/regionBackendServices).
 */
import { healthCheckKey } from './health-check.ts';
import { CRUD, computeMethods, fieldChanges, type Kind, sortedUnique } from './kind.ts';

export interface BackendService {
  readonly kind: 'backendService';
  readonly name: string;
  readonly region: string;
  readonly network: string;
  readonly healthCheck: string;
  /** Instance groups as `projects/P/zones/Z/instanceGroups/NAME`. */
  readonly backends: readonly string[];
  readonly description: string;
}

/** The key of the backend service `name` in `region`. */
export const backendServiceKey = (region: string, name: string): string =>
  `backendService/${region}/${name}`;

export const backendServiceKind: Kind<BackendService, 'managed'> = {
  kind: 'backendService',
  lifecycle: 'managed',
  phase: 8,
  ownership: 'name prefix `peerlink-` and the description marker',
  steps: ['internal load balancer'],
  audit: {
    shape: 'owned',
    label: 'backend service',
    methods: [
      ...computeMethods('backendServices', CRUD, "peerlink's own backend services (global)"),
      ...computeMethods('regionBackendServices', CRUD, "peerlink's own ILB backend services"),
    ],
  },
  key: (r) => backendServiceKey(r.region, r.name),
  normalise: (r) => ({ ...r, backends: sortedUnique(r.backends) }),
  changes: fieldChanges,
  dependencies: (r) => [healthCheckKey(r.region, r.healthCheck)],
};
