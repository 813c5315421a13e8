import { randomUUID } from 'node:crypto';
import type { Sim } from '../core/sim.ts';
import type { JsonObject } from '../core/store.ts';
import { type GkeAudit, writeFirst, writeLast } from './audit.ts';
import { ContainerError, incompatibleOperation, notFound } from './errors.ts';
import { containerLink, isZone, scopeOf } from './names.ts';

/** Store collection of GKE operations. */
export const OPERATIONS = 'containerOperations';

/** A GKE Operation (https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.operations). */
export type ContainerOperation = JsonObject & { name: string; status: string };

/** What a GKE mutation asks of the operation engine. */
export interface ContainerOpSpec {
  project: string;
  location: string;
  /** CREATE_CLUSTER, DELETE_CLUSTER, CREATE_NODE_POOL, DELETE_NODE_POOL. */
  operationType: string;
  /** Path after the project's scope, e.g. `clusters/c/nodePools/np`. */
  target: string;
  /** Cluster store key: one operation at a time per cluster. */
  clusterKey: string;
  audit: GkeAudit;
  /**
   * The state the resource shows while the operation runs (a pool STOPPING, ...), set once the
   * operation is accepted and before its effect, which an operation of 0 ms applies within
   * {@link ContainerOperations.start}.
   */
  begin?: () => void;
  /**
   * GKE drains the nodes before it deletes their groups: the operation runs the module's
   * `drainMs` longer before its effect (a node-pool or cluster delete).
   */
  drains?: boolean;
  /** The effect at DONE. A thrown ContainerError fails the operation. */
  apply: () => void;
}

interface Live {
  key: string;
  spec: ContainerOpSpec;
  timers: NodeJS.Timeout[];
}

/**
 * GKE long-running operations: PENDING, RUNNING at half of `durationMs`, DONE at the end,
 * when the effect is applied and the audit `last` record written. Unlike Compute, GKE operations
 * live under `projects/P/locations/L/operations/` and have no `wait` method: clients poll `get`.
 */
export class ContainerOperations {
  readonly #sim: Sim;
  readonly #durationMs: number;
  readonly #drainMs: number;
  readonly #live = new Map<string, Live>();

  constructor(sim: Sim, durationMs: number, drainMs = 0) {
    this.#sim = sim;
    this.#durationMs = durationMs;
    this.#drainMs = drainMs;
  }

  static key(project: string, location: string, name: string): string {
    return `projects/${project}/locations/${location}/operations/${name}`;
  }

  /** Name of the operation running on a cluster, if any. */
  runningOn(clusterKey: string): string | undefined {
    for (const l of this.#live.values()) {
      if (l.spec.clusterKey === clusterKey) return l.key.split('/').pop();
    }
    return undefined;
  }

  /** Starts an operation; returns it as the API answers the mutation. */
  start(spec: ContainerOpSpec): ContainerOperation {
    const busy = this.runningOn(spec.clusterKey);
    if (busy) throw incompatibleOperation(busy);
    spec.begin?.();
    // Names like operation-1726191716103-f4072772-f902-453d-8776-b69047cebae6.
    const name = `operation-${Date.now()}-${randomUUID()}`;
    const scope = scopeOf(spec.location);
    const op: ContainerOperation = {
      name,
      ...(isZone(spec.location) ? { zone: spec.location } : {}),
      operationType: spec.operationType,
      status: 'PENDING',
      selfLink: containerLink(`projects/${spec.project}/${scope}/operations/${name}`),
      targetLink: containerLink(`projects/${spec.project}/${scope}/${spec.target}`),
      startTime: new Date().toISOString(),
    };
    const key = ContainerOperations.key(spec.project, spec.location, name);
    this.#sim.store.put(OPERATIONS, key, op);
    writeFirst(this.#sim, spec.audit, structuredClone(op));
    const live: Live = { key, spec, timers: [] };
    this.#live.set(key, live);
    const ms = this.#durationMs + (spec.drains ? this.#drainMs : 0);
    if (ms <= 0) {
      this.#finish(live);
      return structuredClone(this.#sim.store.get<ContainerOperation>(OPERATIONS, key) ?? op);
    }
    live.timers.push(
      setTimeout(
        () => {
          op.status = 'RUNNING';
        },
        Math.floor(ms / 2),
      ),
      setTimeout(() => this.#finish(live), ms),
    );
    return structuredClone(op);
  }

  get(project: string, location: string, name: string): ContainerOperation {
    const op = this.#sim.store.get<ContainerOperation>(
      OPERATIONS,
      ContainerOperations.key(project, location, name),
    );
    if (!op) throw notFound(`projects/${project}/${scopeOf(location)}/operations/${name}`);
    return structuredClone(op);
  }

  /** Operations of a location; `-` lists all locations. */
  list(project: string, location: string): ContainerOperation[] {
    const prefix =
      location === '-'
        ? `projects/${project}/locations/`
        : `projects/${project}/locations/${location}/`;
    return this.#sim.store
      .list<ContainerOperation>(OPERATIONS, prefix)
      .map((o) => structuredClone(o));
  }

  /** Finishes every running operation now (before a snapshot). */
  finishAll(): void {
    for (const l of [...this.#live.values()]) this.#finish(l);
  }

  /** Stops timers without applying effects (reset, load, close). */
  cancelAll(): void {
    for (const l of this.#live.values()) for (const t of l.timers) clearTimeout(t);
    this.#live.clear();
  }

  #finish(live: Live): void {
    for (const t of live.timers) clearTimeout(t);
    this.#live.delete(live.key);
    const op = this.#sim.store.get<ContainerOperation>(OPERATIONS, live.key);
    if (!op) return;
    let failure: ContainerError | undefined;
    try {
      live.spec.apply();
    } catch (e) {
      failure =
        e instanceof ContainerError
          ? e
          : new ContainerError(500, 'INTERNAL', `Internal error: ${String(e)}`);
    }
    op.status = 'DONE';
    op.endTime = new Date().toISOString();
    if (failure) {
      op.error = { code: failure.rpcCode, message: failure.message };
      op.statusMessage = failure.message;
    }
    writeLast(
      this.#sim,
      live.spec.audit,
      structuredClone(op),
      failure ? { code: failure.rpcCode, message: failure.message } : undefined,
    );
  }
}
