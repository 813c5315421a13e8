/**
 * The executor: applies a plan through a ResourcePort with bounded concurrency. It retries
 * transient errors with exponential backoff and jitter within a budget, treats 409 on create and
 * 404 on delete as done, and flags 412 / stale versions so the caller re-observes and re-plans.
 */
import pLimit from 'p-limit';
import pRetry from 'p-retry';
import {
  AlreadyExistsError,
  CloudError,
  isRetryable,
  NotFoundError,
  PreconditionFailedError,
  TransientError,
} from '../core/errors.ts';
import { keyOf } from '../core/model/resources.ts';
import { type Action, type Plan, phaseOf } from '../core/plan/diff.ts';
import type { ResourcePort } from '../core/ports.ts';
import { requestIdFor } from '../core/request-id.ts';

export type Outcome = 'done' | 'already' | 'conflict' | 'stale' | 'failed' | 'skipped';

export interface ActionResult {
  readonly key: string;
  readonly op: Action['op'];
  readonly outcome: Outcome;
  readonly attempts: number;
  readonly durationMs: number;
  readonly error?: string;
  /** True when the failure may pass on its own (retry budget spent on transient errors). */
  readonly retryable?: boolean;
}

export interface ApplyOptions {
  /** Writes in flight at once. */
  readonly concurrency?: number;
  /** Retries per action for transient errors. */
  readonly retries?: number;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Time budget per action, retries included. */
  readonly budgetMs?: number;
  /** Seeds request ids, e.g. the audit entry's operation id; same seed, same ids. */
  readonly seed: string;
}

export interface ApplyReport {
  readonly results: readonly ActionResult[];
  /** Some action met a stale precondition: observe again and re-plan. */
  readonly stale: boolean;
  /** Some action failed for good or exhausted its retry budget. */
  readonly failed: boolean;
  /** Every failure was transient: a later delivery may succeed. */
  readonly retryable: boolean;
}

function describeError(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

async function run(port: ResourcePort, a: Action, requestId: string): Promise<Outcome> {
  switch (a.op) {
    case 'conflict':
      return 'conflict';
    case 'create':
      try {
        await port.create(a.desired, requestId);
        return 'done';
      } catch (e) {
        if (e instanceof AlreadyExistsError) return 'already';
        throw e;
      }
    case 'update':
      await port.update(a.desired, a.observed, requestId);
      return 'done';
    case 'delete':
      try {
        await port.delete(a.observed, requestId);
        return 'done';
      } catch (e) {
        if (e instanceof NotFoundError) return 'already';
        throw e;
      }
  }
}

/**
 * A create or update that names a missing resource (a health check, a backend service) is
 * retried: another reconcile may be creating it right now, and its operation is not done yet.
 */
function dependencyInFlight(a: Action, e: unknown): boolean {
  return (a.op === 'create' || a.op === 'update') && e instanceof NotFoundError;
}

function requestId(seed: string, a: Action): string {
  const target = a.op === 'delete' ? a.observed.resource : a.desired;
  const version = a.op === 'update' || a.op === 'delete' ? (a.observed.version ?? '') : '';
  return requestIdFor(seed, a.op, keyOf(target), JSON.stringify(target), version);
}

/** Applies `plan` phase by phase (dependencies first); a failed phase skips the ones after it. */
export async function apply(
  plan: Plan,
  port: ResourcePort,
  options: ApplyOptions,
): Promise<ApplyReport> {
  const limit = pLimit(options.concurrency ?? 4);
  const phases = new Map<number, Action[]>();
  for (const a of plan.actions) phases.set(phaseOf(a), [...(phases.get(phaseOf(a)) ?? []), a]);
  const results: ActionResult[] = [];
  let blocked = false;
  for (const phase of [...phases.keys()].sort((x, y) => x - y)) {
    const actions = phases.get(phase) ?? [];
    if (blocked) {
      for (const a of actions)
        results.push({ key: a.key, op: a.op, outcome: 'skipped', attempts: 0, durationMs: 0 });
      continue;
    }
    const done = await Promise.all(actions.map((a) => limit(() => applyOne(port, a, options))));
    results.push(...done);
    blocked = done.some((r) => r.outcome === 'failed' || r.outcome === 'stale');
  }
  const failures = results.filter((r) => r.outcome === 'failed');
  return {
    results,
    stale: results.some((r) => r.outcome === 'stale'),
    failed: failures.length > 0,
    retryable: failures.length > 0 && failures.every((r) => r.retryable),
  };
}

async function applyOne(
  port: ResourcePort,
  a: Action,
  options: ApplyOptions,
): Promise<ActionResult> {
  const started = performance.now();
  let attempts = 0;
  const id = requestId(options.seed, a);
  const base = { key: a.key, op: a.op };
  // Compute answers a requestId it has seen with the operation it started then, so once that
  // operation has ended in error only a new id can make the retry act
  // (https://cloud.google.com/compute/docs/reference/rest/v1/firewalls/insert, requestId).
  let failedOperations = 0;
  try {
    const outcome = await pRetry(
      async () => {
        attempts += 1;
        const rid =
          failedOperations === 0 ? id : requestIdFor(id, 'retry', String(failedOperations));
        try {
          return await run(port, a, rid);
        } catch (e) {
          if (e instanceof CloudError && e.operationFailed) failedOperations += 1;
          throw e;
        }
      },
      {
        retries: options.retries ?? 5,
        factor: 2,
        minTimeout: options.minBackoffMs ?? 200,
        maxTimeout: options.maxBackoffMs ?? 5_000,
        randomize: true,
        maxRetryTime: options.budgetMs ?? 60_000,
        shouldRetry: ({ error }) => isRetryable(error) || dependencyInFlight(a, error),
      },
    );
    return { ...base, outcome, attempts, durationMs: performance.now() - started };
  } catch (e) {
    const durationMs = performance.now() - started;
    if (e instanceof PreconditionFailedError)
      return { ...base, outcome: 'stale', attempts, durationMs, error: describeError(e) };
    return {
      ...base,
      outcome: 'failed',
      attempts,
      durationMs,
      error: describeError(e),
      retryable: e instanceof TransientError || dependencyInFlight(a, e),
    };
  }
}
