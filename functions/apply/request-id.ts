/** Deterministic request ids: a retried or redelivered write carries the same id, so Compute runs it once. */
import { createHash } from 'node:crypto';

/** A UUID (version 5 layout) derived from `parts`; Compute requires requestId to be a UUID. */
export function requestIdFor(...parts: readonly string[]): string {
  const h = createHash('sha1').update(parts.join('\u0000')).digest();
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x50;
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
