/** Deterministic request ids: a retried or redelivered write carries the same id, so Compute runs it once. */
import { requestUuid } from '../cloud/request-id.ts';

/** A UUID (version 5) derived from `parts`; Compute requires requestId to be a UUID. */
export function requestIdFor(...parts: readonly string[]): string {
  return requestUuid(parts.join('\u0000'));
}
