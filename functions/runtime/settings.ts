/**
 * The settings table: every environment variable and flag that an entry point (the functions,
 * the `peerlink` command, `npm start`, deploy and teardown) reads is one row here, with its
 * default, its validator and its description. README's "Settings" section lists the same rows
 * (a test holds them equal). Parsing is pure: the environment is passed in, as
 * functions-framework does with its options, and a bad value is a ConfigError naming the row.
 *
 * Loaded on every cold start, so it imports nothing but the error classes.
 */
import { ConfigError } from '../core/errors.ts';

export interface Settings {
  /** The topology file the functions reconcile (`PEERLINK_TOPOLOGY`). */
  readonly topologyPath: string;
  /** Entries older than this are left to the sweep (`PEERLINK_MAX_EVENT_AGE`, default 1h). */
  readonly maxEventAgeMs: number;
  /** peerlink's own service account (`PEERLINK_SERVICE_ACCOUNT`): its changes cause no writes. */
  readonly selfPrincipal: string | undefined;
  /** Local mode (`PEERLINK_LOCAL=1`): bootstrap takes unauthenticated requests and body topologies. */
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

/** setTimeout's limit: a longer delay fires at once (Node warns TimeoutOverflowWarning). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A deadline: a duration above 0 that a timer can hold (about 596h). */
function deadline(name: string, text: string): number {
  const ms = parseDuration(name, text);
  if (ms < 1 || ms > MAX_TIMER_MS)
    throw new ConfigError(`${name}: expected a duration from 1ms to 596h, got '${text}'`);
  return ms;
}

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new ConfigError(`${name}: expected an integer 1-64, got '${text}'`);
  return n;
}

/** Where one Google API is served. Absent fields mean the client library's defaults. */
export interface Endpoint {
  readonly apiEndpoint: string;
  readonly port: number;
  readonly protocol: 'http' | 'https';
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

function matching(re: RegExp, what: string): (name: string, text: string) => string {
  return (name, text) => {
    if (!re.test(text)) throw new ConfigError(`${name}: not ${what}: '${text}'`);
    return text;
  };
}

function path(name: string, text: string): string {
  // A NUL byte cannot be in a path; open() would fail later with a less clear message.
  if (text.includes('\0')) throw new ConfigError(`${name}: not a file path (it holds a NUL byte)`);
  return text;
}

function onOff(name: string, text: string): boolean {
  if (/^(1|true|yes|on)$/i.test(text)) return true;
  if (/^(0|false|no|off)$/i.test(text)) return false;
  throw new ConfigError(`${name}: expected 1 or 0 (true or false), got '${text}'`);
}

/** A boolean flag is set by being named; `--json=1` is a usage error. */
function noValue(name: string, text: string): boolean {
  throw new ConfigError(`${name} takes no value, got '${text}'`);
}

/** Comma-separated audiences: URLs or Cloud Run custom audiences, none empty or with blanks. */
function audienceList(name: string, text: string): readonly string[] {
  const list = text.split(',').map((a) => a.trim());
  if (list.some((a) => a === '' || /\s/.test(a)))
    throw new ConfigError(
      `${name}: expected audiences separated by commas, e.g. https://peerlink-bootstrap-123456789.europe-west1.run.app, got '${text}'`,
    );
  return list;
}

function fiveCronFields(name: string, text: string): string {
  if (text.trim().split(/\s+/).length !== 5)
    throw new ConfigError(`${name}: expected five cron fields, e.g. "*/15 * * * *", got '${text}'`);
  return text.trim();
}

/** One setting: an environment variable, a flag, or both (then the flag wins). */
export interface Setting<T> {
  /** The environment variable that sets it. */
  readonly env?: string;
  /** The flag that sets it, `--name`. */
  readonly flag?: string;
  /** A one-letter alias of the flag. */
  readonly short?: string;
  /** The flag's value placeholder (`FILE`); a flag without one is a boolean. */
  readonly value?: string;
  /** The value when unset or empty. */
  readonly fallback: T;
  /** The default as people read it, in README and `--help`. */
  readonly shownDefault: string;
  /** The entry points that read it. */
  readonly readBy: readonly string[];
  readonly description: string;
  /** Validates and converts a raw value. @throws ConfigError naming the setting. */
  parse(name: string, text: string): T;
}

const setting = <T>(s: Setting<T>): Setting<T> => s;

// Google's rule is stricter (6-30 characters); this one only keeps out what cannot be an id,
// the same as infra/deploy/args.ts.
const PROJECT_ID = /^[a-z][a-z0-9.:-]{0,62}$/;
const RECONCILERS = ['functions', 'plan', 'apply', 'sweep', 'bootstrap'];

export const SETTINGS = {
  topology: setting<string>({
    env: 'PEERLINK_TOPOLOGY',
    flag: '--topology',
    value: 'FILE',
    fallback: 'topology.yaml',
    shownDefault: 'topology.yaml',
    readBy: [...RECONCILERS, 'validate', 'render manifests', 'deploy', 'npm start'],
    description:
      'The topology file. The flag wins over the variable; validate, render manifests, bootstrap and deploy need the flag, and npm start defaults to infra/topology.example.yaml.',
    parse: path,
  }),
  project: setting<string | undefined>({
    env: 'PEERLINK_PROJECT',
    fallback: undefined,
    shownDefault: "the topology's project",
    readBy: RECONCILERS,
    description: 'The project peerlink works in.',
    parse: matching(PROJECT_ID, 'a project id'),
  }),
  computeEndpoint: setting<Endpoint | undefined>({
    env: 'PEERLINK_COMPUTE_ENDPOINT',
    fallback: undefined,
    shownDefault: "Google's",
    readBy: RECONCILERS,
    description:
      'Where the Compute API is served, as an origin: http://127.0.0.1:8787 for the simulator.',
    parse: parseEndpoint,
  }),
  containerEndpoint: setting<Endpoint | undefined>({
    env: 'PEERLINK_CONTAINER_ENDPOINT',
    fallback: undefined,
    shownDefault: "Google's",
    readBy: RECONCILERS,
    description: 'Where the GKE API is served, as an origin.',
    parse: parseEndpoint,
  }),
  accessToken: setting<string | undefined>({
    env: 'PEERLINK_ACCESS_TOKEN',
    fallback: undefined,
    shownDefault: 'Application Default Credentials',
    readBy: RECONCILERS,
    description:
      'A static bearer token instead of Application Default Credentials; the simulator takes principal:EMAIL.',
    // It goes into an Authorization header, which cannot hold white space.
    parse: matching(/^\S+$/, 'a bearer token (it holds white space)'),
  }),
  maxEventAge: setting<number>({
    env: 'PEERLINK_MAX_EVENT_AGE',
    fallback: 3_600_000,
    shownDefault: '1h',
    readBy: ['functions'],
    description:
      'Audit entries older than this are left to the sweep: 3600, 90s, 30m, 1h, 500ms (a bare number is seconds).',
    parse: parseDuration,
  }),
  serviceAccount: setting<string | undefined>({
    env: 'PEERLINK_SERVICE_ACCOUNT',
    fallback: undefined,
    shownDefault: 'none',
    readBy: ['functions', 'events classify'],
    description:
      "peerlink's own service account: entries it caused get a read-only reconcile (no storm).",
    parse: matching(/^[^@\s]+@[^@\s]+$/, 'a service account email'),
  }),
  local: setting<boolean>({
    env: 'PEERLINK_LOCAL',
    fallback: false,
    shownDefault: '0',
    readBy: ['functions'],
    description:
      "Local mode (1 or 0): the bootstrap function accepts requests without a bearer token, and a topology in the body if it names the runtime's project.",
    parse: onOff,
  }),
  bootstrapAudience: setting<readonly string[] | undefined>({
    env: 'PEERLINK_BOOTSTRAP_AUDIENCE',
    fallback: undefined,
    shownDefault: 'https:// and the Host of the request',
    readBy: ['functions'],
    description:
      "Outside local mode, the audiences (comma-separated) the bootstrap function accepts in its caller's Google-signed ID token: by default its own URL as Cloud Run sees it; set it for a custom domain, a load balancer or a custom audience.",
    parse: audienceList,
  }),
  concurrency: setting<number>({
    env: 'PEERLINK_CONCURRENCY',
    fallback: 4,
    shownDefault: '4',
    readBy: ['functions', 'apply', 'sweep', 'bootstrap'],
    description: 'Writes in flight at once per reconcile or bootstrap step (1-64).',
    parse: positiveInt,
  }),
  timeout: setting<number | undefined>({
    env: 'PEERLINK_TIMEOUT',
    flag: '--timeout',
    value: 'DURATION',
    // Each command has its own default (specs.ts): bootstrap waits for clusters.
    fallback: undefined,
    shownDefault: '10m; bootstrap 1h',
    readBy: [
      'plan',
      'apply',
      'sweep',
      'bootstrap',
      'validate',
      'render manifests',
      'events classify',
    ],
    description:
      "The command's total deadline: past it, the command stops and exits 1. 90s, 10m, 1h, 500ms (a bare number is seconds).",
    parse: deadline,
  }),
  json: setting<boolean>({
    flag: '--json',
    fallback: false,
    shownDefault: 'off',
    readBy: ['plan', 'apply', 'sweep', 'bootstrap'],
    description:
      'JSON instead of text: the plan (plan), the report (apply, sweep), NDJSON as the bootstrap function streams it (bootstrap).',
    parse: noValue,
  }),
  detailedExitcode: setting<boolean>({
    flag: '--detailed-exitcode',
    fallback: false,
    shownDefault: 'off',
    readBy: ['plan'],
    description:
      'Exit 3 when changes are pending (terraform uses 2; peerlink keeps 2 for usage errors).',
    parse: noValue,
  }),
  dryRun: setting<boolean>({
    flag: '--dry-run',
    fallback: false,
    shownDefault: 'off',
    readBy: ['bootstrap', 'deploy'],
    description: 'Plan and print every step, change nothing.',
    parse: noValue,
  }),
  cluster: setting<string | undefined>({
    flag: '--cluster',
    value: 'NAME',
    fallback: undefined,
    shownDefault: 'every cluster',
    readBy: ['render manifests'],
    description: "Only this cluster's objects.",
    parse: matching(/^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/, 'a GKE cluster name'),
  }),
  help: setting<boolean>({
    flag: '--help',
    short: 'h',
    fallback: false,
    shownDefault: 'off',
    readBy: ['every command', 'npm start'],
    description: 'Print the usage, the flags and an example, and exit 0.',
    parse: noValue,
  }),
  // Deploy and teardown parse these with infra/deploy/args.ts (which stays out of the
  // deployed functions); the rows give `peerlink help deploy` and README, and a test holds
  // the validators to agree with args.ts.
  deployProject: setting<string | undefined>({
    flag: '--project',
    value: 'P',
    fallback: undefined,
    shownDefault: 'required',
    readBy: ['deploy', 'teardown'],
    description: 'The project to deploy peerlink to, or to remove it from.',
    parse: matching(PROJECT_ID, 'a project id'),
  }),
  region: setting<string | undefined>({
    flag: '--region',
    value: 'R',
    fallback: undefined,
    shownDefault: 'required by deploy',
    readBy: ['deploy', 'teardown'],
    description:
      "The functions' region; teardown also looks there for the scheduler job when no function is left.",
    parse: matching(/^[a-z]+-[a-z]+[0-9]+$/, 'a region'),
  }),
  schedule: setting<string>({
    flag: '--schedule',
    value: 'CRON',
    fallback: '*/15 * * * *',
    shownDefault: '*/15 * * * *',
    readBy: ['deploy'],
    description: 'How often the sweep runs: five cron fields, UTC.',
    parse: fiveCronFields,
  }),
  skipBuild: setting<boolean>({
    flag: '--skip-build',
    fallback: false,
    shownDefault: 'off',
    readBy: ['deploy'],
    description: 'Upload the dist/ already built instead of running npm run build.',
    parse: noValue,
  }),
  includeTopology: setting<boolean>({
    flag: '--include-topology',
    fallback: false,
    shownDefault: 'off',
    readBy: ['teardown'],
    description:
      "Also delete the marked clusters, networks, subnets, peerings and peerlink's firewall and load balancer parts.",
    parse: noValue,
  }),
  yes: setting<boolean>({
    flag: '--yes',
    fallback: false,
    shownDefault: 'off',
    readBy: ['teardown'],
    description: 'Delete without asking.',
    parse: noValue,
  }),
  once: setting<boolean>({
    flag: '--once',
    fallback: false,
    shownDefault: 'off',
    readBy: ['npm start'],
    description: 'Exit after the demo, non-zero if a step failed, instead of staying up.',
    parse: noValue,
  }),
  verbose: setting<boolean>({
    flag: '--verbose',
    fallback: false,
    shownDefault: 'off',
    readBy: ['npm start'],
    description: "Show the functions' log lines.",
    parse: noValue,
  }),
} as const;

/** Every row, in the table's order (README lists them in this order). */
export const SETTING_ROWS: readonly Setting<unknown>[] = Object.values(SETTINGS);

type Env = Readonly<Record<string, string | undefined>>;

/** One setting from `env`: its fallback when unset or blank. @throws ConfigError */
export function readSetting<T>(env: Env, s: Setting<T>): T {
  const raw = s.env ? env[s.env]?.trim() : undefined;
  return raw && s.env ? s.parse(s.env, raw) : s.fallback;
}

export function settings(env: Env): Settings {
  return {
    topologyPath: readSetting(env, SETTINGS.topology),
    maxEventAgeMs: readSetting(env, SETTINGS.maxEventAge),
    selfPrincipal: readSetting(env, SETTINGS.serviceAccount),
    local: readSetting(env, SETTINGS.local),
    concurrency: readSetting(env, SETTINGS.concurrency),
  };
}
