import { randomBytes } from 'node:crypto';
import type { AuditLog } from './audit.ts';
import { ApiError, httpErrorMessage, notFound } from './errors.ts';
import { computeLink, type Scope, scopePath } from './links.ts';
import type { JsonObject, Store } from './store.ts';

/** Audit details for an operation's first/last records (compute.googleapis.com). */
export interface OperationAudit {
  /** `v1.compute.<collection>.<verb>`. */
  methodName: string;
  /** `projects/P/global/firewalls/F`. */
  resourceName: string;
  /** `gce_firewall_rule`, `gce_network`, ... */
  resourceType: string;
  resourceLabels?: Record<string, string>;
  request?: JsonObject;
  /** Permission for authorizationInfo, e.g. `compute.firewalls.create`. */
  permission?: string;
}

/** What a Compute mutation asks the operation engine to do. */
export interface OperationSpec {
  project: string;
  scope: Scope;
  /** `insert`, `delete`, `patch`, `update`, `addPeering`, ... */
  operationType: string;
  targetLink: string;
  targetId?: string;
  user: string;
  audit?: OperationAudit;
  /**
   * Keys held while the operation is not DONE (e.g. `peering:projects/p/global/networks/n`);
   * {@link Operations.busy} tells other requests about them.
   */
  locks?: string[];
  /** The effect, run when the operation becomes DONE. A thrown ApiError fails the operation. */
  apply?: () => void;
  /** `?requestId=`: a retry with the same id returns this operation. */
  requestId?: string;
}

/** A Compute Operation resource (https://cloud.google.com/compute/docs/reference/rest/v1/globalOperations). */
export type Operation = JsonObject & {
  name: string;
  status: 'PENDING' | 'RUNNING' | 'DONE';
  id: string;
};

interface Live {
  key: string;
  spec: OperationSpec;
  timers: NodeJS.Timeout[];
  waiters: (() => void)[];
}

/** Timing knobs. */
export interface OperationTiming {
  /** PENDING -> DONE time in ms; RUNNING at half. 0 = DONE before the response. */
  operationMs: number;
  /** Longest `wait` holds a request (Google: ~2 minutes). */
  waitCapMs: number;
  /** How long a requestId is remembered (Google: at least 60 minutes). */
  requestIdWindowMs: number;
}

const OPERATIONS = 'operations';

/**
 * Compute long-running operations at global, region and zone scope. Each mutation gets an
 * Operation that moves PENDING -> RUNNING -> DONE over `operationMs`; the effect is applied at
 * DONE. Writes the audit `first` record at start and the `last` record at DONE, sharing
 * `operation.id` = the operation name, as Compute does
 * (https://cloud.google.com/compute/docs/logging/audit-logging).
 */
export class Operations {
  readonly #store: Store;
  readonly #audit: AuditLog;
  readonly #timing: OperationTiming;
  readonly #live = new Map<string, Live>();
  readonly #requestIds = new Map<string, { key: string; at: number }>();

  constructor(store: Store, audit: AuditLog, timing: OperationTiming) {
    this.#store = store;
    this.#audit = audit;
    this.#timing = timing;
  }

  /** The store key of an operation. */
  static key(project: string, scope: Scope, name: string): string {
    return `projects/${project}/${scopePath(scope)}/operations/${name}`;
  }

  /**
   * The operation an earlier request with this requestId started, if still in the window.
   * https://cloud.google.com/compute/docs/reference/rest/v1/firewalls/insert (requestId: "if you
   * must retry your request, the server will know to ignore the request if it has already been
   * completed ... for at least 60 minutes since the first request")
   */
  byRequestId(project: string, requestId: string): Operation | undefined {
    const hit = this.#requestIds.get(`${project}/${requestId}`);
    if (!hit || Date.now() - hit.at > this.#timing.requestIdWindowMs) return undefined;
    const op = this.#store.get<Operation>(OPERATIONS, hit.key);
    return op ? structuredClone(op) : undefined;
  }

  /** True while an operation holding `lock` is not DONE. */
  busy(lock: string): boolean {
    for (const l of this.#live.values()) if (l.spec.locks?.includes(lock)) return true;
    return false;
  }

  /** Starts an operation; returns the Operation as the API answers it. */
  start(spec: OperationSpec): Operation {
    const name = `operation-${Date.now()}-${randomBytes(6).toString('hex')}-${randomBytes(4).toString('hex')}`;
    const key = Operations.key(spec.project, spec.scope, name);
    const op: Operation = {
      kind: 'compute#operation',
      id: this.#store.nextId(),
      name,
      operationType: spec.operationType,
      targetLink: spec.targetLink,
      status: 'PENDING',
      user: spec.user,
      progress: 0,
      insertTime: new Date().toISOString(),
      selfLink: computeLink(key),
    };
    if (spec.targetId) op.targetId = spec.targetId;
    if (spec.scope.kind === 'region')
      op.region = computeLink(`projects/${spec.project}/regions/${spec.scope.region}`);
    if (spec.scope.kind === 'zone')
      op.zone = computeLink(`projects/${spec.project}/zones/${spec.scope.zone}`);
    this.#store.put(OPERATIONS, key, op);
    if (spec.requestId)
      this.#requestIds.set(`${spec.project}/${spec.requestId}`, { key, at: Date.now() });
    const first = structuredClone(op);
    if (spec.audit) this.#writeAudit(spec, op, 'first');
    const live: Live = { key, spec, timers: [], waiters: [] };
    this.#live.set(key, live);
    const ms = this.#timing.operationMs;
    if (ms <= 0) {
      this.#finish(live);
      return structuredClone(this.#store.get<Operation>(OPERATIONS, key) ?? op);
    }
    live.timers.push(
      setTimeout(
        () => {
          op.status = 'RUNNING';
          op.startTime = new Date().toISOString();
        },
        Math.floor(ms / 2),
      ),
      setTimeout(() => this.#finish(live), ms),
    );
    return first;
  }

  /** An operation by scope and name (or numeric id). Throws notFound. */
  get(project: string, scope: Scope, nameOrId: string): Operation {
    const key = this.#resolve(project, scope, nameOrId);
    const op = this.#store.get<Operation>(OPERATIONS, key);
    if (!op) throw notFound(key);
    return structuredClone(op);
  }

  /** Operations in one scope (for list calls). */
  list(project: string, scope: Scope): Operation[] {
    return this.#store.list<Operation>(
      OPERATIONS,
      `projects/${project}/${scopePath(scope)}/operations/`,
    );
  }

  /**
   * Resolves when the operation is DONE or after the wait cap, with its state then
   * (https://cloud.google.com/compute/docs/reference/rest/v1/globalOperations/wait).
   */
  async wait(project: string, scope: Scope, nameOrId: string): Promise<Operation> {
    const key = this.#resolve(project, scope, nameOrId);
    const live = this.#live.get(key);
    if (live) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.#timing.waitCapMs);
        live.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.get(project, scope, nameOrId);
  }

  /** Deletes an operation record (operations.delete). */
  remove(project: string, scope: Scope, nameOrId: string): void {
    const key = this.#resolve(project, scope, nameOrId);
    if (!this.#store.delete(OPERATIONS, key)) throw notFound(key);
  }

  /** Waits (bounded) until no operation is running; then finishes stragglers at once. */
  async drain(timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.#live.size > 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 5));
    }
    for (const live of [...this.#live.values()]) this.#finish(live);
  }

  /** Stops all timers without applying effects (reset, load, close). */
  cancelAll(): void {
    for (const live of this.#live.values()) {
      for (const t of live.timers) clearTimeout(t);
      for (const w of live.waiters) w();
    }
    this.#live.clear();
    this.#requestIds.clear();
  }

  #resolve(project: string, scope: Scope, nameOrId: string): string {
    const key = Operations.key(project, scope, nameOrId);
    if (this.#store.get(OPERATIONS, key) || !/^\d+$/.test(nameOrId)) return key;
    const prefix = `projects/${project}/${scopePath(scope)}/operations/`;
    for (const [k, op] of this.#store.entries<Operation>(OPERATIONS, prefix)) {
      if (op.id === nameOrId) return k;
    }
    return key;
  }

  #finish(live: Live): void {
    for (const t of live.timers) clearTimeout(t);
    this.#live.delete(live.key);
    const op = this.#store.get<Operation>(OPERATIONS, live.key);
    if (!op) return;
    let failure: ApiError | null = null;
    try {
      live.spec.apply?.();
    } catch (e) {
      failure =
        e instanceof ApiError
          ? e
          : new ApiError(500, 'backendError', 'Internal error', { cause: e });
    }
    const now = new Date().toISOString();
    op.status = 'DONE';
    op.progress = 100;
    op.startTime ??= op.insertTime ?? now;
    op.endTime = now;
    if (failure) {
      op.error = failure.toOperationError();
      op.httpErrorStatusCode = failure.code;
      op.httpErrorMessage = httpErrorMessage(failure.code);
    }
    if (live.spec.audit) this.#writeAudit(live.spec, op, 'last', failure);
    for (const w of live.waiters) w();
  }

  #writeAudit(
    spec: OperationSpec,
    op: Operation,
    which: 'first' | 'last',
    failure?: ApiError | null,
  ): void {
    const a = spec.audit;
    if (!a) return;
    const first = which === 'first';
    this.#audit.write({
      project: spec.project,
      serviceName: 'compute.googleapis.com',
      methodName: a.methodName,
      resourceName: a.resourceName,
      resourceType: a.resourceType,
      resourceLabels: a.resourceLabels,
      principal: spec.user,
      permission: first ? a.permission : undefined,
      locations: [
        spec.scope.kind === 'global'
          ? 'global'
          : spec.scope.kind === 'region'
            ? spec.scope.region
            : spec.scope.zone,
      ],
      // The last record carries only the request's type (as Compute's last records do).
      request: first ? (a.request ?? {}) : {},
      requestType: `type.googleapis.com/${a.methodName.replace(/^(v1|beta|alpha)\./, '')}`,
      response: first ? structuredClone(op) : undefined,
      responseType: first ? 'type.googleapis.com/operation' : undefined,
      operation: {
        id: op.name,
        producer: 'compute.googleapis.com',
        ...(first ? { first: true } : { last: true }),
      },
      status: failure ? { code: failure.rpcCode, message: failure.message } : undefined,
    });
  }
}
