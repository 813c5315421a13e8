/**
 * Compute de-duplicates retried mutations by `requestId`, which must be a non-zero UUID
 * (https://cloud.google.com/compute/docs/reference/rest/v1/firewalls/insert). Callers give a
 * deterministic string; it becomes a name-based UUID (RFC 9562 version 5, SHA-1) so the same
 * string always yields the same id.
 */
import { createHash } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Namespace of peerlink's request ids (itself a random v4 UUID, fixed forever). */
const NAMESPACE = '4f6c2a3e-9b1d-4c57-8e0a-6d2b7f3c9a15';

/** `value` itself when it is already a non-zero UUID, otherwise its UUID v5. */
export function requestUuid(value: string): string {
  if (UUID.test(value) && !/^[0-]+$/.test(value)) return value.toLowerCase();
  const ns = Buffer.from(NAMESPACE.replaceAll('-', ''), 'hex');
  const hash = createHash('sha1').update(ns).update(value, 'utf8').digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50; // version 5
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80; // RFC 9562 variant
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A derived id for the n-th step of a multi-call change (e.g. delete then insert). */
export function stepRequestId(requestId: string, step: string): string {
  return requestUuid(`${requestId}/${step}`);
}

/** A UUID (version 5) derived from `parts`: a retried or redelivered write carries the same id. */
export function requestIdFor(...parts: readonly string[]): string {
  return requestUuid(parts.join('\u0000'));
}
