/**
 * The audit-log methods that can change what peerlink must do, as data: each kind's module
 * (functions/core/model/<kind>.ts) lists the methods that change it, this module gathers them,
 * infra/sink-filter.ts turns the table into the Cloud Logging sink filter, and `classify` looks
 * methods up in it.
 *
 * Method names are written without their version prefix; `SERVICES` lists the prefixes each
 * service puts in front. Sources:
 * - GKE: https://cloud.google.com/kubernetes-engine/docs/how-to/audit-logging-container
 *   (ADMIN_WRITE methods, `google.container.v1.` and `google.container.v1beta1.`).
 * - Compute, VPC, load balancing: https://cloud.google.com/compute/docs/audit-logging,
 *   https://cloud.google.com/vpc/docs/audit-logging,
 *   https://cloud.google.com/load-balancing/docs/audit-logging ("there is also a beta and
 *   alpha version ... the method name will start with beta or alpha").
 */
import type { AuditShape } from '../model/kind.ts';
import { KINDS, type ResourceKind } from '../model/kinds.ts';

/** What a watched method changes; also the `kind` of a trigger. */
export type TriggerKind = ResourceKind | 'unknown';

export interface ServiceVersions {
  /** `protoPayload.serviceName`. */
  readonly serviceName: string;
  /** Prefixes that precede a method name, one per API version. */
  readonly prefixes: readonly string[];
}

export const SERVICES: readonly ServiceVersions[] = [
  {
    serviceName: 'container.googleapis.com',
    prefixes: ['google.container.v1.', 'google.container.v1beta1.'],
  },
  { serviceName: 'compute.googleapis.com', prefixes: ['v1.', 'beta.', 'alpha.'] },
];

export interface WatchedMethod {
  readonly serviceName: string;
  /** The method name without its version prefix, e.g. `compute.networks.addPeering`. */
  readonly method: string;
  readonly kind: ResourceKind;
  /** How the entry names what changed, hence the reconcile's scope. */
  readonly shape: AuditShape;
  /** The kind in words, for log lines. */
  readonly label: string;
  /** What the change can affect, for people reading the table and the sink filter. */
  readonly affects: string;
  /** Its operation's first record reconciles at once (see AuditMethod). */
  readonly reconcileOnFirst?: boolean;
  /** Its failed records reconcile too (see AuditMethod). */
  readonly reconcileOnFailure?: boolean;
}

/** Every kind's audit methods (each kind's module lists its own). */
export const WATCHED_METHODS: readonly WatchedMethod[] = (
  Object.keys(KINDS) as ResourceKind[]
).flatMap((kind) => {
  const audit = KINDS[kind].audit;
  return (audit?.methods ?? []).map((m) => ({
    ...m,
    kind,
    shape: audit?.shape ?? 'owned',
    label: audit?.label ?? kind,
  }));
});

/** Kinds whose changes matter only when the changed resource is peerlink's own. */
export const OWNED_KINDS: ReadonlySet<TriggerKind> = new Set(
  WATCHED_METHODS.filter((m) => m.shape === 'owned').map((m) => m.kind),
);

/** Every full method name (of those `which` picks), each version prefix applied: the input of the sink filter. */
export function watchedMethodNames(which: (m: WatchedMethod) => boolean = () => true): string[] {
  return WATCHED_METHODS.filter(which).flatMap((m) =>
    (SERVICES.find((s) => s.serviceName === m.serviceName)?.prefixes ?? []).map(
      (p) => `${p}${m.method}`,
    ),
  );
}

/** The watched method an audit-log entry names, whatever its version prefix, or undefined. */
export function findWatchedMethod(
  serviceName: string,
  methodName: string,
): WatchedMethod | undefined {
  const service = SERVICES.find((s) => s.serviceName === serviceName);
  const prefix = service?.prefixes.find((p) => methodName.startsWith(p));
  if (prefix === undefined) return undefined;
  const bare = methodName.slice(prefix.length);
  return WATCHED_METHODS.find((m) => m.serviceName === serviceName && m.method === bare);
}
