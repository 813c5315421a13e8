/**
 * Watches every API call the in-process simulator serves, without changing the simulator: the
 * benchmark wraps `http.createServer` (the simulator's Compute and GKE server) and
 * `https.createServer` (each cluster's Kubernetes API) before the simulator starts them.
 *
 * The wrapper records each call's interval (request handed to the server → response closed)
 * and what a replay needs, and adds latency to Kubernetes calls (the simulator's fault
 * injection covers only its Compute and GKE routes). Control calls (`/__sim/…`) are neither
 * recorded nor delayed. {@link replaySerially} plays recorded calls again one at a time: the
 * concurrency-1 baseline.
 */
import http, { type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import https from 'node:https';
import { syncBuiltinESMExports } from 'node:module';

export interface Call {
  readonly api: 'gcp' | 'kube';
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  /** The Host header: tells the clusters' Kubernetes APIs apart. */
  readonly host: string;
  /** Path and query, as requested (for replay). */
  readonly url: string;
  /** The headers a replay needs to be answered alike. */
  readonly headers: Record<string, string>;
  readonly kind: 'read' | 'write';
  readonly start: number;
  readonly end: number;
  readonly status: number;
}

export interface RecorderSettings {
  /** Added to each Kubernetes API call, ms (Compute and GKE get theirs from /__sim/faults). */
  kubeLatencyMs: number;
}

const settings: RecorderSettings = { kubeLatencyMs: 0 };
let recording: Call[] | null = null;
let installed = false;

function kindOf(method: string, path: string): 'read' | 'write' {
  if (method === 'GET' || method === 'HEAD') return 'read';
  // POSTs that only read: an operation wait, an instance group's member list.
  return /\/(wait|listInstances)$/.test(path) ? 'read' : 'write';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function wrap(api: Call['api'], inner: RequestListener): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path.startsWith('/__sim/')) {
      inner(req, res);
      return;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const extra = api === 'kube' ? settings.kubeLatencyMs : 0;
    const log = recording;
    void (async () => {
      const start = performance.now();
      res.once('close', () => {
        log?.push({
          api,
          method,
          path,
          host: req.headers.host ?? '',
          url: req.url ?? '/',
          headers: Object.fromEntries(
            ['authorization', 'accept', 'content-type'].flatMap((h) => {
              const v = req.headers[h];
              return typeof v === 'string' ? [[h, v]] : [];
            }),
          ),
          kind: kindOf(method, path),
          start,
          end: performance.now(),
          status: res.statusCode,
        });
      });
      if (extra > 0) await sleep(extra);
      inner(req, res);
    })();
  };
}

/** Installs the wrappers. Call before the simulator starts its servers. */
export function installRecorder(): void {
  if (installed) return;
  installed = true;
  const httpCreate = http.createServer;
  const httpsCreate = https.createServer;
  // biome-ignore lint/suspicious/noExplicitAny: forwards whatever overload the caller used
  (http as any).createServer = (...args: any[]) => {
    const i = args.findIndex((a) => typeof a === 'function');
    if (i >= 0) args[i] = wrap('gcp', args[i]);
    return httpCreate.apply(http, args as Parameters<typeof httpCreate>);
  };
  // biome-ignore lint/suspicious/noExplicitAny: forwards whatever overload the caller used
  (https as any).createServer = (...args: any[]) => {
    const i = args.findIndex((a) => typeof a === 'function');
    if (i >= 0) args[i] = wrap('kube', args[i]);
    return httpsCreate.apply(https, args as Parameters<typeof httpsCreate>);
  };
  // Named ESM imports of builtins (`import { createServer } from 'node:http'`) follow this.
  syncBuiltinESMExports();
}

export function configure(patch: Partial<RecorderSettings>): void {
  Object.assign(settings, patch);
}

/** Runs `fn` and returns the API calls served while it ran, in order of arrival. */
export async function record<T>(fn: () => Promise<T>): Promise<{ value: T; calls: Call[] }> {
  const calls: Call[] = [];
  recording = calls;
  try {
    const value = await fn();
    // Let responses that are still closing land in the log.
    await sleep(5);
    return { value, calls: [...calls].sort((a, b) => a.start - b.start) };
  } finally {
    recording = null;
  }
}

/**
 * The longest chain of calls that ran strictly one after another: the most calls no two of which
 * overlap in time (earliest-end-first greedy, which is optimal for this). With a fixed latency
 * on every call, that is the number of sequential round trips on the critical path.
 */
export function sequentialChain(calls: readonly Call[]): Call[] {
  const chain: Call[] = [];
  let lastEnd = Number.NEGATIVE_INFINITY;
  for (const c of [...calls].sort((a, b) => a.end - b.end)) {
    if (c.start >= lastEnd) {
      chain.push(c);
      lastEnd = c.end;
    }
  }
  return chain;
}

/** `GET compute …/networks/vpc-a` style label, with the project prefix cut. */
export function label(c: Call): string {
  const p = c.path
    .replace(/^\/compute\/v1\/projects\/[^/]+\//, 'compute ')
    .replace(/^\/v1\/projects\/[^/]+\//, 'container ');
  return `${c.method} ${c.api === 'kube' ? `kube ${p}` : p}`;
}

/**
 * Sends `calls` again one after another, each waiting for the previous answer: the same API
 * calls at concurrency 1, with whatever latency is configured. Compute and GKE calls go to
 * `gcpUrl`; Kubernetes calls to the API server they went to (TLS to our own loopback servers,
 * certificate not checked). A POST is replayed with an empty JSON body: the calls replayed are
 * the reads of a sweep (operation waits, instance-group listings), whose bodies carry nothing
 * else. Returns the wall time and the statuses seen.
 */
export async function replaySerially(
  calls: readonly Call[],
  gcpUrl: string,
): Promise<{ ms: number; statuses: Record<string, number> }> {
  const statuses: Record<string, number> = {};
  const t0 = performance.now();
  for (const c of calls) {
    const status = await new Promise<number>((resolve, reject) => {
      const body = c.method === 'GET' || c.method === 'HEAD' ? undefined : '{}';
      const headers = { ...c.headers, ...(body ? { 'content-type': 'application/json' } : {}) };
      const url = c.api === 'kube' ? `https://${c.host}${c.url}` : `${gcpUrl}${c.url}`;
      const onRes = (res: IncomingMessage) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
        res.once('error', reject);
      };
      const req =
        c.api === 'kube'
          ? https.request(url, { method: c.method, headers, rejectUnauthorized: false }, onRes)
          : http.request(url, { method: c.method, headers }, onRes);
      req.setTimeout(60_000, () => req.destroy(new Error(`replay of ${c.url} timed out`)));
      req.once('error', reject);
      req.end(body);
    });
    statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
  }
  return { ms: performance.now() - t0, statuses };
}
