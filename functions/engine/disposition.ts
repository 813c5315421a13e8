/**
 * The one place that decides what a failure means for its delivery: acknowledge it (terminal:
 * the same input can never succeed, so it is logged at ERROR with the reason) or retry it
 * (transient: the function answers 500, Pub/Sub redelivers and, after the subscription's
 * attempts, dead-letters the message). onAuditLog, sweep, bootstrap and the CLI all ask here.
 *
 * It imports only error classes, so a handler can load it on a cold start for free.
 */
import {
  CloudError,
  ConfigError,
  MalformedEventError,
  TopologyError,
  TransientError,
} from '../core/errors.ts';

/** Where the failure happened: an audit entry, the scheduled sweep, an HTTP call, the CLI. */
export type Source = 'event' | 'sweep' | 'http' | 'cli';

export type FailureClass =
  /** The input itself is unreadable (an event, an HTTP body). */
  | 'bad-input'
  /** The deployed topology or the function's settings are broken. */
  | 'configuration'
  /** May pass on its own: 429, 5xx, operation in progress, re-plans run out. */
  | 'transient'
  /** The cloud refused for good: 400, 403, a failed operation that says why. */
  | 'terminal'
  /** Not one of peerlink's typed errors: a bug. */
  | 'unexpected';

export interface Disposition {
  readonly action: 'ack' | 'retry';
  readonly failure: FailureClass;
  readonly severity: 'WARNING' | 'ERROR';
  /** One line for the log, saying what happens next. */
  readonly reason: string;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

function classOf(e: unknown): FailureClass {
  if (e instanceof MalformedEventError) return 'bad-input';
  if (e instanceof TopologyError || e instanceof ConfigError) return 'configuration';
  // ReconcileRetryableError (stale plans, retry budgets spent on transient errors) is one.
  if (e instanceof TransientError) return 'transient';
  if (e instanceof CloudError) return 'terminal';
  return 'unexpected';
}

/**
 * Maps any error to ack or retry.
 *
 * - bad input: ack; redelivering the same bytes cannot help.
 * - configuration: ack for an event (every delivery logs it at ERROR, so it stays visible);
 *   retry for the sweep, which thereby fails loudly until the dead-letter topic holds the
 *   evidence.
 * - transient: retry.
 * - terminal: ack.
 * - unexpected: retry, so that nothing is lost: after the subscription's attempts the
 *   message waits in the dead-letter topic.
 */
export function dispositionOf(e: unknown, source: Source): Disposition {
  const failure = classOf(e);
  const text = message(e);
  switch (failure) {
    case 'bad-input':
      return { action: 'ack', failure, severity: 'ERROR', reason: `${text}; acknowledged` };
    case 'configuration':
      return source === 'sweep'
        ? {
            action: 'retry',
            failure,
            severity: 'ERROR',
            reason: `${text}; the sweep fails until this is fixed`,
          }
        : { action: 'ack', failure, severity: 'ERROR', reason: `${text}; fix it and redeploy` };
    case 'transient':
      return {
        action: 'retry',
        failure,
        severity: 'WARNING',
        reason: `${text}; redelivery will retry`,
      };
    case 'terminal':
      return {
        action: 'ack',
        failure,
        severity: 'ERROR',
        reason: `failed for good: ${text}; acknowledged`,
      };
    case 'unexpected':
      return {
        action: 'retry',
        failure,
        severity: 'ERROR',
        reason: `unexpected error: ${e instanceof Error ? `${e.name}: ` : ''}${text}; retried, then dead-lettered`,
      };
  }
}

/** The HTTP status an HTTP function answers with for a failure before its response started. */
export function httpStatusOf(d: Disposition): number {
  switch (d.failure) {
    case 'bad-input':
      return 400;
    case 'transient':
      return 503;
    default:
      return 500;
  }
}
