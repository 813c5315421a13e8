/**
 * What may wake the sweep: a Pub/Sub message (Cloud Scheduler publishes one to the sweep's
 * topic). functions-framework hands its push to the function as a CloudEvent whose data is
 * `{message, subscription}`, or, for a message without data, the push body itself, whose
 * `message` is at the top (build/src/pubsub_middleware.js converts only a message with data).
 * A body that is neither is acknowledged with an ERROR line and runs nothing: redelivering the
 * same bytes cannot make them a message. What the message says is not read: it is only a tick.
 */
import { MalformedEventError } from '../core/errors.ts';
import { dispositionOf } from '../engine/disposition.ts';
import type { Logger } from '../runtime/log.ts';
import { eventIdOf } from './on-audit-log.ts';

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** True when `event` carries a Pub/Sub message; otherwise logs why not and returns false. */
export function sweepTriggered(logger: Logger, event: unknown): boolean {
  if (
    isObject(event) &&
    (isObject(event.message) || (isObject(event.data) && isObject(event.data.message)))
  )
    return true;
  const d = dispositionOf(
    new MalformedEventError(
      'the body is not a Pub/Sub push (it has no message): the sweep runs when its topic delivers one',
    ),
    'sweep',
  );
  const eventId = eventIdOf(event);
  logger.log(d.severity, `malformed request to sweep: ${d.reason}`, {
    ...(eventId ? { eventId } : {}),
    failure: d.failure,
  });
  return false;
}
