/**
 * The planner: a pure diff of desired against observed state. Only resources peerlink owns are
 * ever changed; a same-named resource it does not own becomes a conflict, never a write. What
 * differs, in which order, and what depends on what, each kind's module says.
 */
import type { Change } from '../model/kind.ts';
import { kindFor } from '../model/kinds.ts';
import { keyOf, type Observed, type Resource } from '../model/resources.ts';
import { normalise } from './normalise.ts';

export type { Change } from '../model/kind.ts';

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

/**
 * A desired resource that must not be written, and why: desire found a clash the cloud would
 * refuse (or that would break something peerlink does not own). The plan reports it as a
 * conflict; the resource still counts as desired, so an owned one is not deleted either.
 */
export interface KnownConflict {
  readonly key: string;
  readonly reason: string;
}

function changes(want: Resource, have: Resource): Change[] {
  return want.kind === have.kind
    ? kindFor(want).changes(want, have)
    : [{ field: 'kind', before: have.kind, after: want.kind }];
}

/** The phase an action runs in: creates and updates in dependency order, then deletes in reverse. */
export function phaseOf(a: Action): number {
  const { phase } = kindFor(a.op === 'delete' ? a.observed.resource : a.desired);
  return a.op === 'delete' ? 100 - phase : phase;
}

/**
 * Diffs desired against observed. Both sides are normalised first. A desired resource named in
 * `known` becomes a conflict with its reason, whatever is observed.
 */
export function plan(
  desired: readonly Resource[],
  observed: readonly Observed[],
  known: readonly KnownConflict[] = [],
): Plan {
  const have = new Map(
    observed.map((o) => [keyOf(o.resource), { ...o, resource: normalise(o.resource) }]),
  );
  const clashes = new Map(known.map((c) => [c.key, c.reason]));
  const wanted = new Set<string>();
  const actions: Action[] = [];
  for (const raw of desired) {
    const want = normalise(raw);
    const key = keyOf(want);
    wanted.add(key);
    const o = have.get(key);
    const clash = clashes.get(key);
    if (clash !== undefined) {
      actions.push({
        op: 'conflict',
        key,
        desired: want,
        ...(o ? { observed: o } : {}),
        reason: clash,
      });
    } else if (!o) {
      actions.push({ op: 'create', key, desired: want, reason: 'does not exist' });
    } else if (kindFor(want).lifecycle === 'infra') {
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
    if (o.owned && !wanted.has(key) && kindFor(o.resource).lifecycle !== 'infra')
      actions.push({
        op: 'delete',
        key,
        observed: o,
        reason: 'managed by peerlink and no longer desired',
      });
  }
  actions.sort((a, b) => phaseOf(a) - phaseOf(b) || a.key.localeCompare(b.key));
  return { actions: holdBackDependents(actions, new Set(clashes.keys())) };
}

/**
 * A backend service whose health check is in conflict (someone else's, same name) would be
 * created pointing at that foreign health check, and a forwarding rule at a foreign backend
 * service: peerlink's load balancer would depend on a resource it does not own. Such creates
 * and updates become conflicts too, down the chain. `actions` is in phase order.
 */
function holdBackDependents(actions: readonly Action[], known: ReadonlySet<string>): Action[] {
  const blocked = new Set(actions.filter((a) => a.op === 'conflict').map((a) => a.key));
  // What is held back because of a known conflict says so, rather than "not peerlink's".
  const clashing = new Set(known);
  return actions.map((a) => {
    if (a.op !== 'create' && a.op !== 'update') return a;
    const dependency = kindFor(a.desired)
      .dependencies(a.desired)
      .find((d) => blocked.has(d));
    if (dependency === undefined) return a;
    blocked.add(a.key);
    const why = clashing.has(dependency)
      ? 'which is in conflict'
      : 'which is not managed by peerlink';
    if (clashing.has(dependency)) clashing.add(a.key);
    const reason = `refers to ${dependency}, ${why}; held back`;
    return a.op === 'update'
      ? { op: 'conflict', key: a.key, desired: a.desired, observed: a.observed, reason }
      : { op: 'conflict', key: a.key, desired: a.desired, reason };
  });
}

export function summary(p: Plan): Record<Action['op'], number> {
  const out = { create: 0, update: 0, delete: 0, conflict: 0 };
  for (const a of p.actions) out[a.op] += 1;
  return out;
}
