/**
 * onAuditLog: a Pub/Sub-triggered CloudEvent function. The entry only wakes peerlink up; the
 * reconcile reads current state. Returning acknowledges the message; throwing makes the
 * framework answer 500, and Pub/Sub redelivers. `dispositionOf` decides which.
 */
import { ConfigError, MalformedEventError } from '../core/errors.ts';
import { describe } from '../core/events/decode.ts';
import { triggerFromEvent } from '../core/events/index.ts';
import { dispositionOf, type FailureClass } from '../engine/disposition.ts';
import type { Runtime } from './runtime.ts';

type ReconcilePath = [typeof import('../engine/reconcile.ts'), typeof import('../core/scope.ts')];
let reconcilePath: Promise<ReconcilePath> | undefined;

/**
 * The reconcile path (planner, p-retry, topology schema and yaml), loaded on the first entry
 * that needs it: an ignored or deferred entry, most of what arrives, then loads none of it.
 * Measured in BENCHMARKS.md (cold start, ignored entry).
 */
function loadReconcilePath(): Promise<ReconcilePath> {
  reconcilePath ??= Promise.all([
    import('../engine/reconcile.ts'),
    import('../core/scope.ts'),
  ]).catch((e: unknown) => {
    reconcilePath = undefined;
    throw e;
  });
  return reconcilePath;
}

/**
 * How far ahead of this function's clock an entry's timestamp may be. A service stamps its audit
 * entry when the call happens, so a genuine entry is ahead only by clock skew between two
 * machines; 5 minutes is the skew google-auth-library allows a token (OAuth2Client.CLOCK_SKEW_SECS_).
 * Nothing upstream stops a later one: Cloud Logging ingests entries up to 24 hours ahead
 * (LogEntry.timestamp, https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry).
 * Not a setting: a clock further off is a fault to report, not to configure around.
 */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The event's id, if it is a non-empty string. What functions-framework hands a function is not
 * always a CloudEvent: a body it cannot convert comes as it was (an array, bytes, ...).
 */
export function eventIdOf(event: unknown): string | undefined {
  if (typeof event !== 'object' || event === null || !('id' in event)) return undefined;
  return typeof event.id === 'string' && event.id !== '' ? event.id : undefined;
}

export type Outcome =
  | 'ignored'
  | 'deferred'
  | 'stale-event'
  | 'out-of-scope'
  | 'malformed'
  | 'invalid-topology'
  | 'invalid-configuration'
  | 'terminal-failure'
  | 'reconciled';

/** The report a failed reconcile carries (ReconcileRetryableError), for the log line. */
export function reportOf(e: unknown): { report?: unknown } {
  return e !== null && typeof e === 'object' && 'report' in e ? { report: e.report } : {};
}

const OUTCOME: Readonly<Record<FailureClass, Outcome>> = {
  'bad-input': 'malformed',
  configuration: 'invalid-topology',
  terminal: 'terminal-failure',
  transient: 'terminal-failure',
  unexpected: 'terminal-failure',
};

/** The handler takes `unknown`: any value it is given is judged, never trusted to be an event. */
export function makeOnAuditLog(rt: Runtime): (event: unknown) => Promise<Outcome> {
  return async (event) => {
    const { logger } = rt;
    const eventId = eventIdOf(event);
    try {
      return await handle(rt, event, eventId);
    } catch (e) {
      const d = dispositionOf(e, 'event');
      const label = e instanceof MalformedEventError ? 'malformed audit-log event' : 'onAuditLog';
      logger.log(d.severity, `${label}${eventId ? ` ${eventId}` : ''}: ${d.reason}`, {
        ...(eventId ? { eventId } : {}),
        failure: d.failure,
        ...reportOf(e),
      });
      if (d.action === 'retry') throw e;
      if (e instanceof ConfigError) return 'invalid-configuration';
      return OUTCOME[d.failure];
    }
  };
}

async function handle(rt: Runtime, event: unknown, eventId: string | undefined): Promise<Outcome> {
  const { logger } = rt;
  // functions-framework converts a push body into a CloudEvent only when its message has
  // data; any other body reaches the function as it came, without `data`.
  if (
    typeof event !== 'object' ||
    event === null ||
    Array.isArray(event) ||
    event instanceof Uint8Array
  )
    throw new MalformedEventError(
      `the event is ${describe(event)}, not a CloudEvent: the request body was not a Pub/Sub push`,
    );
  if (!('data' in event) || event.data === undefined)
    throw new MalformedEventError(
      'the event has no data: a Pub/Sub message without data, or a body that is not a Pub/Sub push',
    );
  const trigger = triggerFromEvent(event.data, { selfPrincipal: rt.settings.selfPrincipal });
  const at = trigger.timestamp ? Date.parse(trigger.timestamp) : Number.NaN;
  if (at - rt.now() > MAX_CLOCK_SKEW_MS) {
    throw new MalformedEventError(
      `the entry's timestamp ${trigger.timestamp} is in the future: more than ${MAX_CLOCK_SKEW_MS / 60_000} minutes ahead of this function's clock, which clock skew cannot explain`,
    );
  }
  const base = { trigger, ...(eventId ? { eventId } : {}) };
  if (trigger.action !== 'reconcile') {
    logger.log('DEBUG', `${trigger.action}: ${trigger.reason}`, base);
    return trigger.action === 'defer' ? 'deferred' : 'ignored';
  }
  if (Number.isFinite(at) && rt.now() - at > rt.settings.maxEventAgeMs) {
    logger.log(
      'INFO',
      `entry from ${trigger.timestamp} is older than the maximum event age; the sweep covers it`,
      base,
    );
    return 'stale-event';
  }
  const [{ reconcile, reportSeverity }, { scopeOf }] = await loadReconcilePath();
  const topology = await rt.topology();
  const scope = scopeOf(topology, trigger);
  if (scope.services.length === 0 && scope.consumers.length === 0) {
    logger.log('INFO', `nothing to reconcile: ${scope.reason}`, base);
    return 'out-of-scope';
  }
  const report = await reconcile(topology, scope, await rt.deps(), {
    seed: trigger.operationId ?? eventId ?? 'event',
    // peerlink's own changes may only be looked at, never answered with writes: no storm.
    readOnly: trigger.causedBySelf,
    apply: { concurrency: rt.settings.concurrency },
  });
  logger.log(reportSeverity(report), `reconcile ${report.outcome}: ${scope.reason}`, {
    ...base,
    report,
  });
  return report.outcome === 'failed' ? 'terminal-failure' : 'reconciled';
}
