import { MalformedEventError } from '../errors.ts';
import { isDataAccessLog, type LogEntry, parseLogEntry } from './log-entry.ts';

/**
 * Largest event accepted, in bytes of JSON (or of decoded Pub/Sub data). Pub/Sub publishes no
 * message larger than 10 MB ("Message size", https://cloud.google.com/pubsub/quotas#resource_limits;
 * a larger one "won't be published at all", https://cloud.google.com/python/docs/reference/pubsub/latest/google.cloud.pubsub_v1.types.IngestionFailureEvent.ApiViolationReason),
 * so no genuine entry is larger; 10 MiB is the generous reading of "10 MB".
 */
export const MAX_EVENT_BYTES = 10 * 1024 * 1024;

/** Wrappers nest at most CloudEvent → Pub/Sub message → LogEntry. */
const MAX_WRAPPERS = 3;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Turns any form in which an audit-log entry reaches peerlink into a validated LogEntry:
 * - a LogEntry object, or its JSON as a string or bytes;
 * - a Pub/Sub push body `{message: {data, attributes, messageId, ...}, subscription}`
 *   (https://cloud.google.com/pubsub/docs/push#receive_push);
 * - a bare Pub/Sub message `{data, attributes, messageId, ...}`;
 * - the data of a `google.cloud.pubsub.topic.v1.messagePublished` CloudEvent, which is
 *   `{message: {...}, subscription}` (what functions-framework hands a cloudEvent function);
 * - a whole structured CloudEvent `{specversion, type, data | data_base64}`, including Eventarc's
 *   `google.cloud.audit.log.v1.written`, whose data is the LogEntry itself
 *   (https://cloud.google.com/eventarc/docs/cloudevents).
 *
 * A Sink writes the LogEntry as JSON into the message data, base64-encoded on the wire
 * (https://cloud.google.com/logging/docs/export/pubsub).
 *
 * @throws MalformedEventError (terminal: acknowledge, log, never retry) when the input is too
 *   large, not JSON, not base64 where base64 is due, of no known shape, or not an audit-log
 *   entry. A Data Access entry may lack `protoPayload`: it is ignored before its payload is read.
 */
export function decodeEvent(input: unknown): LogEntry {
  return unwrap(toValue(input, 'input'), 'input', 0);
}

function toValue(input: unknown, what: string): unknown {
  if (typeof input === 'string') {
    checkSize(Buffer.byteLength(input, 'utf8'), what);
    return parseJson(input, what);
  }
  if (input instanceof Uint8Array) {
    checkSize(input.byteLength, what);
    return parseJson(toText(input, what), what);
  }
  return input;
}

function unwrap(value: unknown, what: string, depth: number): LogEntry {
  if (!isObject(value)) {
    throw new MalformedEventError(`${what} is ${describe(value)}, expected a JSON object`);
  }
  if (depth > MAX_WRAPPERS) {
    throw new MalformedEventError(`${what} is wrapped more than ${MAX_WRAPPERS} levels deep`);
  }
  if ('specversion' in value) return fromCloudEvent(value, depth);
  if (isObject(value.message)) return fromPubsubMessage(value.message, `${what}.message`);
  if ('data' in value && !('logName' in value)) return fromPubsubMessage(value, what);
  return validateLogEntry(value, what);
}

function fromCloudEvent(event: Record<string, unknown>, depth: number): LogEntry {
  const type = typeof event.type === 'string' ? event.type : '(no type)';
  if (typeof event.data_base64 === 'string') {
    const bytes = decodeBase64(event.data_base64, `CloudEvent ${type} data_base64`);
    return unwrap(toValue(bytes, `CloudEvent ${type} data`), `CloudEvent ${type} data`, depth + 1);
  }
  if (event.data === undefined || event.data === null) {
    throw new MalformedEventError(`CloudEvent ${type} has no data`);
  }
  return unwrap(
    toValue(event.data, `CloudEvent ${type} data`),
    `CloudEvent ${type} data`,
    depth + 1,
  );
}

function fromPubsubMessage(message: Record<string, unknown>, what: string): LogEntry {
  const data = message.data;
  if (typeof data !== 'string') {
    throw new MalformedEventError(`${what}.data is ${describe(data)}, expected base64 text`);
  }
  if (data.length === 0) throw new MalformedEventError(`${what}.data is empty`);
  const bytes = decodeBase64(data, `${what}.data`);
  return validateLogEntry(parseJson(toText(bytes, `${what}.data`), `${what}.data`), `${what}.data`);
}

function validateLogEntry(value: unknown, what: string): LogEntry {
  if (!isObject(value)) {
    throw new MalformedEventError(`${what} is ${describe(value)}, expected a LogEntry object`);
  }
  const parsed = parseLogEntry(value);
  if ('problems' in parsed) {
    throw new MalformedEventError(
      `${what} is not a LogEntry: ${parsed.problems.slice(0, 5).join('; ')}`,
    );
  }
  const { entry } = parsed;
  if (entry.protoPayload === undefined && !isDataAccessLog(entry.logName)) {
    throw new MalformedEventError(
      `${what} is not an audit-log entry: protoPayload is missing (logName ${entry.logName})`,
    );
  }
  return entry;
}

// Strict standard base64, as Pub/Sub writes it: Buffer.from() would silently skip bad
// characters and decode a truncated string into garbage. One flat character class plus the
// length check: a quantified group per 4-character quantum backtracks a stack frame per quantum
// and overflowed the stack on a 4 MB entry.
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function decodeBase64(text: string, what: string): Buffer {
  // The exact decoded length of valid base64, known before decoding anything.
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const bytes = Math.floor((text.length * 3) / 4) - padding;
  if (bytes > MAX_EVENT_BYTES) {
    throw new MalformedEventError(
      `${what} is ${bytes} bytes once decoded, larger than ${MAX_EVENT_BYTES} bytes (Pub/Sub's maximum message size)`,
    );
  }
  if (text.length % 4 !== 0 || !BASE64.test(text)) {
    throw new MalformedEventError(
      `${what} is not valid base64 (length ${text.length}; expected the padded standard alphabet)`,
    );
  }
  return Buffer.from(text, 'base64');
}

function checkSize(bytes: number, what: string): void {
  if (bytes > MAX_EVENT_BYTES) {
    throw new MalformedEventError(
      `${what} is ${bytes} bytes, more than the ${MAX_EVENT_BYTES} allowed`,
    );
  }
}

function toText(bytes: Uint8Array, what: string): string {
  checkSize(bytes.byteLength, what);
  try {
    return utf8.decode(bytes);
  } catch (err) {
    throw new MalformedEventError(`${what} is not valid UTF-8`, { cause: err });
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new MalformedEventError(`${what} is not JSON: ${detail}`, { cause: err });
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What a value is, in a user's words: `null`, `missing`, `an array`, `bytes`, `a string`, ... */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value === undefined) return 'missing';
  if (value instanceof Uint8Array) return 'bytes';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
