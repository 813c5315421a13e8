/**
 * A quick look at the endpoints the environment names, before a command starts its work: a
 * wrong one would otherwise show only after the clients' own timeouts and retries (20 s per
 * call, five reads deep: about 100 s), as one of many failed calls.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ConfigError } from '../core/errors.ts';
import { type Endpoint, readSetting, SETTINGS, type Setting } from '../runtime/settings.ts';

/** How long an endpoint has to answer anything at all. Google's and the simulator take ms. */
export const PROBE_MS = 5_000;

type Env = Readonly<Record<string, string | undefined>>;

/** Why a connection failed, by errno: the codes that mean "nothing there". */
const UNREACHABLE: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
};

/**
 * Sends `GET /` and waits for any answer: any status means something serves there. Resolves
 * with the reason when nothing does, undefined when something answered (or the failure is not
 * about reaching it, e.g. a certificate: the clients then report it themselves).
 */
function probe(e: Endpoint, timeoutMs: number, signal: AbortSignal): Promise<string | undefined> {
  return new Promise((resolve) => {
    const request = e.protocol === 'https' ? httpsRequest : httpRequest;
    // Its own socket (no agent), closed when done: nothing is left to keep the process alive.
    const req = request({
      host: e.apiEndpoint,
      port: e.port,
      method: 'GET',
      path: '/',
      agent: false,
      headers: { connection: 'close' },
    });
    const done = (reason: string | undefined) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(reason);
    };
    const onAbort = () => done(undefined);
    const timer = setTimeout(() => done(`no answer within ${timeoutMs / 1000} s`), timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('response', (res) => {
      res.resume();
      done(undefined);
    });
    req.on('error', (err: NodeJS.ErrnoException) => done(UNREACHABLE[err.code ?? '']));
    req.end();
  });
}

// gaxios goes through HTTP(S)_PROXY, this probe does not: with a proxy set, a direct
// connection failing says nothing about the clients' path.
const PROXIES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'];

/**
 * Probes the Compute and GKE endpoints `env` names (Google's, when unnamed, are not probed),
 * in parallel. @throws ConfigError naming each endpoint that cannot be reached, in one line.
 */
export async function probeEndpoints(
  env: Env,
  signal: AbortSignal,
  timeoutMs = PROBE_MS,
): Promise<void> {
  if (signal.aborted || PROXIES.some((p) => env[p])) return;
  const named: [string, Setting<Endpoint | undefined>][] = [
    ['compute', SETTINGS.computeEndpoint],
    ['container', SETTINGS.containerEndpoint],
  ];
  const checks = named.flatMap(([what, s]) => {
    const e = readSetting(env, s);
    if (!e || !s.env) return [];
    const url = env[s.env]?.trim() ?? '';
    return [probe(e, timeoutMs, signal).then((reason) => ({ what, url, reason, name: s.env }))];
  });
  const failed = (await Promise.all(checks)).filter((c) => c.reason !== undefined);
  if (failed.length === 0 || signal.aborted) return;
  const [a, b] = failed;
  // Both at one URL, failing alike, are said once.
  const parts =
    a && b && a.url === b.url && a.reason === b.reason
      ? [`compute and container at ${a.url} (${a.name}, ${b.name}): ${a.reason}`]
      : failed.map((f) => `${f.what} at ${f.url} (${f.name}): ${f.reason}`);
  throw new ConfigError(`cannot reach ${parts.join('; cannot reach ')}`);
}
