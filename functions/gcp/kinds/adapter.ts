/**
 * What an adapter does for one resource kind: the calls that list, read, create, update and
 * delete it. `functions/gcp/resources.ts` dispatches through a table with one adapter per kind,
 * so that the ResourcePort has no switch over kinds.
 */

import type { Observed, Resource, ResourceKind } from '../../core/model/resources.ts';
import type { ListScope } from '../../core/ports.ts';

export interface KindAdapter<R extends Resource> {
  /**
   * Every resource of the kind in `scope` that peerlink could own (its name prefix, its label),
   * owned or not, so that the planner sees conflicts. Managed kinds only.
   */
  list?(scope: ListScope): Promise<Observed[]>;
  /** The resource identified like `ref`, or null: infrastructure, read by bootstrap. */
  read?(ref: R): Promise<Observed | null>;
  create(r: R, requestId: string): Promise<void>;
  /** Absent for infrastructure, which peerlink never changes. */
  update?(r: R, observed: Observed<R>, requestId: string): Promise<void>;
  /** Absent for infrastructure, which peerlink never deletes. */
  delete?(observed: Observed<R>, requestId: string): Promise<void>;
}

/** One adapter per kind: a kind without one does not compile. */
export type Adapters = { [K in ResourceKind]: KindAdapter<Extract<Resource, { kind: K }>> };

export const observed = <R extends Resource>(
  resource: R,
  owned: boolean,
  version?: string | null,
): Observed => (version ? { resource, owned, version } : { resource, owned });
