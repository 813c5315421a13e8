/**
 * Raised when an event is not something peerlink can read: bad base64, not JSON, the wrong
 * shape, not an audit-log entry, too large, or carrying resource names that no Google API
 * produces (`..`, encoded slashes, non-ASCII look-alikes).
 *
 * It is terminal: redelivering the same bytes can never succeed, so the caller acknowledges
 * the message and logs the error instead of asking Pub/Sub to retry.
 */
export class MalformedEventError extends Error {
  override readonly name = 'MalformedEventError';
  /** Always true: retrying cannot help. */
  readonly terminal = true;
}
