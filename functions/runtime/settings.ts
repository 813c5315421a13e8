/**
 * Function settings, parsed by a pure function from an environment passed in, as
 * functions-framework does with its options.
 */
import { ConfigError } from '../core/errors.ts';

export interface Settings {
  /** The topology file the functions reconcile (`PEERLINK_TOPOLOGY`). */
  readonly topologyPath: string;
  /** Entries older than this are left to the sweep (`PEERLINK_MAX_EVENT_AGE`, default 1h). */
  readonly maxEventAgeMs: number;
  /** peerlink's own service account (`PEERLINK_SERVICE_ACCOUNT`): its changes cause no writes. */
  readonly selfPrincipal: string | undefined;
  /** Local mode (`PEERLINK_LOCAL=1`): bootstrap accepts requests without a bearer token. */
  readonly local: boolean;
  /** Writes in flight at once per reconcile (`PEERLINK_CONCURRENCY`, default 4). */
  readonly concurrency: number;
}

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** `90`, `90s`, `30m`, `1h`, `500ms` → milliseconds; a bare number is seconds. */
export function parseDuration(name: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new ConfigError(`${name}: not a duration: '${text}' (use e.g. 3600, 90s, 30m, 1h)`);
  return Math.round(Number(m[1]) * (UNITS[m[2] ?? 's'] ?? 1_000));
}

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new ConfigError(`${name}: expected an integer 1-64, got '${text}'`);
  return n;
}

export function settings(env: Readonly<Record<string, string | undefined>>): Settings {
  return {
    topologyPath: env.PEERLINK_TOPOLOGY?.trim() || 'topology.yaml',
    maxEventAgeMs: env.PEERLINK_MAX_EVENT_AGE
      ? parseDuration('PEERLINK_MAX_EVENT_AGE', env.PEERLINK_MAX_EVENT_AGE)
      : 3_600_000,
    selfPrincipal: env.PEERLINK_SERVICE_ACCOUNT?.trim() || undefined,
    local: env.PEERLINK_LOCAL === '1' || env.PEERLINK_LOCAL === 'true',
    concurrency: env.PEERLINK_CONCURRENCY
      ? positiveInt('PEERLINK_CONCURRENCY', env.PEERLINK_CONCURRENCY)
      : 4,
  };
}
