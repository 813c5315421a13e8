import { MalformedEventError } from '../errors.ts';

/**
 * Resource names in audit logs: `protoPayload.resourceName` is a scheme-less path such as
 * `projects/P/zones/Z/clusters/C/nodePools/N` or `projects/P/regions/R/subnetworks/S`
 * (https://cloud.google.com/logging/docs/reference/audit/auditlog/rest/Shared.Types/AuditLog),
 * while compute requests carry full or partial URLs such as
 * `https://www.googleapis.com/compute/v1/projects/P/global/networks/N` or `global/networks/N`
 * (https://cloud.google.com/compute/docs/reference/rest/v1/firewalls/insert, field `network`).
 */
export interface ParsedName {
  /** Each `collection/name` pair, e.g. `{projects: 'p', zones: 'z', clusters: 'c'}`. */
  readonly parts: Readonly<Record<string, string>>;
  /** The last pair: the resource the name points at. */
  readonly collection: string;
  readonly name: string;
}

// Google resource IDs use letters, digits, '-', '_', '.', ':' (domain-scoped projects such as
// `example.com:proj`) and '~'. Anything else, and '..' anywhere, is not from a Google API.
const SAFE_SEGMENT = /^[A-Za-z0-9_.:~-]+$/;

const COMPUTE_URL =
  /^https:\/\/(?:www|compute)\.googleapis\.com\/compute\/(?:v1|beta|alpha)\/(.*)$/;

/**
 * Throws MalformedEventError unless `text` is a plain ASCII resource name without `..`,
 * percent-encoding (`%2F`), backslashes or empty segments.
 */
export function assertSafeName(text: string, what: string): void {
  if (/[^\x21-\x7e]/.test(text)) {
    throw new MalformedEventError(
      `${what} ${JSON.stringify(text)} contains a non-ASCII, space or control character`,
    );
  }
  if (text.includes('%')) {
    throw new MalformedEventError(`${what} ${JSON.stringify(text)} contains percent-encoding`);
  }
  if (text.includes('..')) {
    throw new MalformedEventError(`${what} ${JSON.stringify(text)} contains '..'`);
  }
  for (const segment of text.split('/')) {
    if (!SAFE_SEGMENT.test(segment) || segment === '.') {
      throw new MalformedEventError(
        `${what} ${JSON.stringify(text)} has an empty or invalid path segment`,
      );
    }
  }
}

/** True when `text` passes {@link assertSafeName}. */
export function isSafeName(text: string): boolean {
  try {
    assertSafeName(text, 'name');
    return true;
  } catch {
    return false;
  }
}

/**
 * Parses a resource name or compute URL into its `collection/name` pairs. `global` stands
 * alone. A bare short name (no slash) comes back as `{collection: '', name}`.
 * @throws MalformedEventError for unsafe names, foreign URL hosts or repeated collections.
 */
export function parseResourceName(text: string, what: string): ParsedName {
  let path = text;
  const url = COMPUTE_URL.exec(text);
  if (url) {
    path = url[1] ?? '';
  } else if (/^[a-z]+:\/\//i.test(text)) {
    throw new MalformedEventError(`${what} ${JSON.stringify(text)} is not a compute API URL`);
  }
  assertSafeName(path, what);
  const segments = path.split('/');
  if (segments.length === 1) return { parts: {}, collection: '', name: path };
  // No prototype: a segment named `__proto__` must stay plain data.
  const parts: Record<string, string> = Object.create(null);
  let collection = '';
  let name = '';
  for (let i = 0; i < segments.length; i++) {
    const key = segments[i] ?? '';
    if (key === 'global') continue;
    const value = segments[i + 1];
    if (value === undefined) {
      throw new MalformedEventError(
        `${what} ${JSON.stringify(text)} ends with '${key}/' and no name`,
      );
    }
    if (Object.hasOwn(parts, key)) {
      throw new MalformedEventError(`${what} ${JSON.stringify(text)} repeats '${key}'`);
    }
    parts[key] = value;
    collection = key;
    name = value;
    i++;
  }
  return { parts, collection, name };
}
