/**
 * Audit-log entry → trigger. The public face of `functions/core/events/`: decode any envelope,
 * then classify. Both steps are pure.
 */
import { type ClassifyOptions, classify, type Trigger } from './classify.ts';
import { decodeEvent } from './decode.ts';

export { MalformedEventError } from '../errors.ts';
export type { ClassifyOptions, Trigger, TriggerAction, TriggerScope } from './classify.ts';
export { classify } from './classify.ts';
export { decodeEvent, MAX_EVENT_BYTES } from './decode.ts';
export type { TriggerKind, WatchedMethod } from './methods.ts';
export { findWatchedMethod, WATCHED_METHODS, watchedMethodNames } from './methods.ts';
export { isPeerlinkOwnedName, PEERLINK_NAME_PREFIX } from './ownership.ts';

/**
 * Decodes `input` (LogEntry, Pub/Sub push body or message, CloudEvent or its data; object,
 * JSON string or bytes) and classifies it.
 * @throws MalformedEventError (terminal: acknowledge and log, never retry).
 */
export function triggerFromEvent(input: unknown, options: ClassifyOptions = {}): Trigger {
  return classify(decodeEvent(input), options);
}
