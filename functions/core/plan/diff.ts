/**
 * The planner: a pure diff of desired against observed state. Only resources peerlink owns are
 * ever changed; a same-named resource it does not own becomes a conflict, never a write.
 */
import {
  INFRA_KINDS,
  keyOf,
  type Observed,
  type Resource,
  type ResourceKind,
} from '../model/resources.ts';
import { normalise } from './normalise.ts';

export interface Change {
  readonly field: string;
  readonly before: unknown;
  readonly after: unknown;
}

export type Action =
  | {
      readonly op: 'create';
      readonly key: string;
      readonly desired: Resource;
      readonly reason: string;
    }
  | {
      readonly op: 'update';
      readonly key: string;
      readonly desired: Resource;
      readonly observed: Observed;
      readonly changes: readonly Change[];
      readonly reason: string;
    }
  | {
      readonly op: 'delete';
      readonly key: string;
      readonly observed: Observed;
      readonly reason: string;
    }
  | {
      readonly op: 'conflict';
      readonly key: string;
      readonly desired: Resource;
      /** The same-named resource; absent when held back for a conflicting dependency. */
      readonly observed?: Observed;
      readonly reason: string;
    };

export interface Plan {
  readonly actions: readonly Action[];
}

/** Creation order: what others refer to comes first. Deletion runs in reverse. */
const ORDER: readonly ResourceKind[] = [
  'network',
  'subnetwork',
  'peering',
  'cluster',
  'nodePool',
  'kube',
  'firewall',
  'healthCheck',
  'backendService',
  'forwardingRule',
];

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** True when every field `want` sets has the same value in `have` (extra fields are the server's). */
export function covers(have: unknown, want: unknown): boolean {
  if (Array.isArray(want)) {
    return (
      Array.isArray(have) && have.length === want.length && want.every((w, i) => covers(have[i], w))
    );
  }
  if (want !== null && typeof want === 'object') {
    if (have === null || typeof have !== 'object' || Array.isArray(have)) return false;
    const h = have as Record<string, unknown>;
    return Object.entries(want).every(([k, v]) => covers(h[k], v));
  }
  return have === want;
}

function changes(want: Resource, have: Resource): Change[] {
  if (want.kind === 'kube' && have.kind === 'kube') {
    const w = want.manifest as Record<string, unknown>;
    const h = have.manifest as Record<string, unknown>;
    return Object.keys(w)
      .filter((k) => !covers(h[k], w[k]))
      .map((field) => ({ field, before: h[field], after: w[field] }));
  }
  const w = want as unknown as Record<string, unknown>;
  const h = have as unknown as Record<string, unknown>;
  return Object.keys(w)
    .filter((k) => !same(w[k], h[k]))
    .map((field) => ({ field, before: h[field], after: w[field] }));
}

/** The phase an action runs in: creates and updates in dependency order, then deletes in reverse. */
export function phaseOf(a: Action): number {
  const kind = (a.op === 'delete' ? a.observed.resource : a.desired).kind;
  const i = ORDER.indexOf(kind);
  return a.op === 'delete' ? 100 - i : i;
}

/** Diffs desired against observed. Both sides are normalised first. */
export function plan(desired: readonly Resource[], observed: readonly Observed[]): Plan {
  const have = new Map(
    observed.map((o) => [keyOf(o.resource), { ...o, resource: normalise(o.resource) }]),
  );
  const wanted = new Set<string>();
  const actions: Action[] = [];
  for (const raw of desired) {
    const want = normalise(raw);
    const key = keyOf(want);
    wanted.add(key);
    const o = have.get(key);
    if (!o) {
      actions.push({ op: 'create', key, desired: want, reason: 'does not exist' });
    } else if (INFRA_KINDS.has(want.kind)) {
      // Infrastructure is created once and then left to its owner: differences are reported.
      const diff = changes(want, o.resource);
      if (diff.length > 0)
        actions.push({
          op: 'conflict',
          key,
          desired: want,
          observed: o,
          reason: `exists with other ${diff.map((d) => d.field).join(', ')}; peerlink does not change infrastructure`,
        });
    } else if (!o.owned) {
      actions.push({
        op: 'conflict',
        key,
        desired: want,
        observed: o,
        reason: 'a resource with this name exists and is not managed by peerlink; left untouched',
      });
    } else {
      const diff = changes(want, o.resource);
      if (diff.length > 0)
        actions.push({
          op: 'update',
          key,
          desired: want,
          observed: o,
          changes: diff,
          reason: `differs in ${diff.map((d) => d.field).join(', ')}`,
        });
    }
  }
  for (const [key, o] of have) {
    if (o.owned && !wanted.has(key) && !INFRA_KINDS.has(o.resource.kind))
      actions.push({
        op: 'delete',
        key,
        observed: o,
        reason: 'managed by peerlink and no longer desired',
      });
  }
  actions.sort((a, b) => phaseOf(a) - phaseOf(b) || a.key.localeCompare(b.key));
  return { actions: holdBackDependents(actions) };
}

/** The key of the health check or backend service `r` points at, if any. */
function dependencyOf(r: Resource): string | undefined {
  if (r.kind === 'backendService') return `healthCheck/${r.region}/${r.healthCheck}`;
  if (r.kind === 'forwardingRule') return `backendService/${r.region}/${r.backendService}`;
  return undefined;
}

/**
 * A backend service whose health check is in conflict (someone else's, same name) would be
 * created pointing at that foreign health check, and a forwarding rule at a foreign backend
 * service: peerlink's load balancer would depend on a resource it does not own. Such creates
 * and updates become conflicts too, down the chain. `actions` is in phase order.
 */
function holdBackDependents(actions: readonly Action[]): Action[] {
  const blocked = new Set(actions.filter((a) => a.op === 'conflict').map((a) => a.key));
  return actions.map((a) => {
    if (a.op !== 'create' && a.op !== 'update') return a;
    const dependency = dependencyOf(a.desired);
    if (dependency === undefined || !blocked.has(dependency)) return a;
    blocked.add(a.key);
    const reason = `refers to ${dependency}, which is not managed by peerlink; held back`;
    return a.op === 'update'
      ? { op: 'conflict', key: a.key, desired: a.desired, observed: a.observed, reason }
      : { op: 'conflict', key: a.key, desired: a.desired, reason };
  });
}

export function isEmpty(p: Plan): boolean {
  return p.actions.every((a) => a.op === 'conflict');
}

export function summary(p: Plan): Record<Action['op'], number> {
  const out = { create: 0, update: 0, delete: 0, conflict: 0 };
  for (const a of p.actions) out[a.op] += 1;
  return out;
}
