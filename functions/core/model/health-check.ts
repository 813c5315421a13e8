/** A regional TCP health check (https://cloud.google.com/compute/docs/reference/rest/v1/regionHealthChecks). */
import { CRUD, computeMethods, fieldChanges, type Kind } from './kind.ts';

export interface HealthCheck {
  readonly kind: 'healthCheck';
  readonly name: string;
  readonly region: string;
  readonly port: number;
  readonly description: string;
}

/** The key of the health check `name` in `region`. */
export const healthCheckKey = (region: string, name: string): string =>
  `healthCheck/${region}/${name}`;

export const healthCheckKind: Kind<HealthCheck, 'managed'> = {
  kind: 'healthCheck',
  lifecycle: 'managed',
  phase: 7,
  ownership: 'name prefix `peerlink-` and the description marker',
  steps: ['internal load balancer'],
  audit: {
    shape: 'owned',
    label: 'health check',
    methods: [
      ...computeMethods('healthChecks', CRUD, "peerlink's own health checks (global)"),
      ...computeMethods('regionHealthChecks', CRUD, "peerlink's own health checks (regional)"),
    ],
  },
  key: (r) => healthCheckKey(r.region, r.name),
  normalise: (r) => ({ ...r }),
  changes: fieldChanges,
  dependencies: () => [],
};
