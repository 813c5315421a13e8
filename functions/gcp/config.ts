/**
 * Cloud configuration, parsed by a pure function from an environment passed in (as
 * functions-framework does with its options), so tests never touch `process.env`.
 */
import { ConfigError } from '../core/errors.ts';

/** Where one Google API is served. Absent fields mean the client library's defaults. */
export interface Endpoint {
  readonly apiEndpoint: string;
  readonly port: number;
  readonly protocol: 'http' | 'https';
}

export interface CloudConfig {
  /** Project peerlink works in (`PEERLINK_PROJECT`). */
  readonly project: string;
  /** Compute endpoint; undefined means Google's (`compute.googleapis.com`). */
  readonly compute: Endpoint | undefined;
  /** Container endpoint; undefined means Google's (`container.googleapis.com`). */
  readonly container: Endpoint | undefined;
  /**
   * A static bearer token (`PEERLINK_ACCESS_TOKEN`), for local runs against the simulator
   * (e.g. `principal:peerlink@<project>.iam.gserviceaccount.com`). Undefined: Application
   * Default Credentials.
   */
  readonly accessToken: string | undefined;
}

/**
 * `http://127.0.0.1:8787` → `{ apiEndpoint: '127.0.0.1', port: 8787, protocol: 'http' }`. The
 * port must be given on its own: the clients dial 443 for `apiEndpoint: 'host:port'`.
 */
export function parseEndpoint(name: string, value: string): Endpoint {
  let url: URL;
  try {
    url = new URL(value);
  } catch (e) {
    throw new ConfigError(`${name}: not a URL (want e.g. http://127.0.0.1:8787): ${value}`, {
      cause: e,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError(`${name}: only http and https URLs are supported, got ${value}`);
  if (url.pathname !== '/' || url.search !== '')
    throw new ConfigError(`${name}: give the origin only (scheme, host, port), got ${value}`);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  const port = url.port === '' ? (protocol === 'http' ? 80 : 443) : Number(url.port);
  // URL keeps IPv6 hosts in brackets; the clients want the bare address.
  return { apiEndpoint: url.hostname.replace(/^\[|\]$/g, ''), port, protocol };
}

const nonEmpty = (v: string | undefined): string | undefined =>
  v === undefined || v.trim() === '' ? undefined : v.trim();

/** Reads the cloud settings from `env`. Throws {@link ConfigError} when one is malformed. */
export function cloudConfig(env: Readonly<Record<string, string | undefined>>): CloudConfig {
  const project = nonEmpty(env.PEERLINK_PROJECT);
  if (!project) throw new ConfigError('PEERLINK_PROJECT is not set');
  const compute = nonEmpty(env.PEERLINK_COMPUTE_ENDPOINT);
  const container = nonEmpty(env.PEERLINK_CONTAINER_ENDPOINT);
  return {
    project,
    compute: compute ? parseEndpoint('PEERLINK_COMPUTE_ENDPOINT', compute) : undefined,
    container: container ? parseEndpoint('PEERLINK_CONTAINER_ENDPOINT', container) : undefined,
    accessToken: nonEmpty(env.PEERLINK_ACCESS_TOKEN),
  };
}
