import type { IncomingHttpHeaders } from 'node:http';

/** Principal used when the request names none. */
export const DEFAULT_PRINCIPAL = 'user@example.com';

/**
 * The caller's identity. A bearer token of the form `principal:<email>` names the principal
 * (tests send it through an OAuth2Client with that access token); anything else is
 * {@link DEFAULT_PRINCIPAL}. Real GCP derives it from the token; this keeps tests offline.
 */
export function principalOf(headers: IncomingHttpHeaders): string {
  const auth = headers.authorization;
  if (typeof auth !== 'string') return DEFAULT_PRINCIPAL;
  const m = /^Bearer\s+principal:(\S+@\S+)$/i.exec(auth.trim());
  return m?.[1] ?? DEFAULT_PRINCIPAL;
}
