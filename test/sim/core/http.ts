import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { ApiError } from './errors.ts';
import type { Faults } from './faults.ts';
import { principalOf } from './identity.ts';
import type { Reply, Router, SimRequest } from './router.ts';
import type { Stats } from './stats.ts';

/** Hooks for {@link createListener}. */
export interface ListenerOptions {
  stats?: Stats;
  faults?: Faults;
  /** Turns a thrown value into a reply; default: Google JSON error body. */
  formatError?: (e: unknown) => Reply;
  /** Largest accepted body. */
  maxBodyBytes?: number;
  /** Sees every reply as sent (test/sim/conformance.test.ts checks them against Google's protos). */
  record?: (entry: RecordedReply) => void;
}

/** One reply as it went out, for {@link ListenerOptions.record}. */
export interface RecordedReply {
  method: string;
  /** Path without the query string. */
  path: string;
  /** The matched route's name; undefined when no route matched. */
  route: string | undefined;
  status: number;
  contentType: string;
  /** The body exactly as sent. */
  payload: string;
}

type Seen = Pick<RecordedReply, 'method' | 'path' | 'route'>;

/** Google JSON error reply for anything thrown; non-ApiErrors become 500 backendError. */
export function googleError(e: unknown): Reply {
  const err =
    e instanceof ApiError
      ? e
      : new ApiError(500, 'backendError', e instanceof Error ? e.message : String(e), { cause: e });
  return { status: err.code, body: err.toBody() };
}

/**
 * A node:http request listener that dispatches through `router`: parses the URL, JSON body and
 * caller identity, counts stats, applies faults (latency, errors) to read/write routes, and
 * answers JSON. Usable for HTTPS servers too (the Kubernetes part passes its own formatError).
 */
export function createListener(router: Router, opts: ListenerOptions = {}): RequestListener {
  const formatError = opts.formatError ?? googleError;
  const maxBody = opts.maxBodyBytes ?? 10 * 1024 * 1024;
  return (req, res) => {
    // What the recorder is told; handle() fills in the path and the route as it learns them.
    const seen: Seen = { method: (req.method ?? 'GET').toUpperCase(), path: '', route: undefined };
    const reply = (r: Reply) => {
      const sent = send(res, r);
      opts.record?.({ ...seen, ...sent });
    };
    handle(req, seen, reply).catch((e: unknown) => {
      if (!res.headersSent) reply(formatError(e));
      else res.destroy();
    });
  };

  async function handle(
    req: IncomingMessage,
    seen: Seen,
    reply: (r: Reply) => void,
  ): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    const { method } = seen;
    seen.path = url.pathname;
    const rawBody = await readBody(req, maxBody);
    const found = router.match(method, url.pathname);
    if (!('route' in found)) {
      const e = found.methodMismatch
        ? new ApiError(
            405,
            'httpMethodNotAllowed',
            `Method ${method} not allowed on ${url.pathname}`,
          )
        : new ApiError(
            404,
            'notFound',
            `The requested URL ${url.pathname} was not found on this server.`,
          );
      reply(formatError(e));
      return;
    }
    const { route, params } = found;
    seen.route = route.name;
    let body: unknown;
    if (rawBody.length > 0) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = rawBody;
      }
    }
    const sreq: SimRequest = {
      method,
      path: url.pathname,
      params,
      query: url.searchParams,
      body,
      rawBody,
      headers: req.headers,
      principal: principalOf(req.headers),
      name: route.name,
    };
    opts.stats?.count(route.name, route.kind);
    if (route.kind !== 'control' && opts.faults) {
      const d = opts.faults.decide(route.name);
      if (d.latencyMs > 0) await new Promise((r) => setTimeout(r, d.latencyMs));
      if (d.error) throw d.error;
    }
    reply(await route.handler(sreq));
  }
}

function send(
  res: ServerResponse,
  reply: Reply,
): { status: number; contentType: string; payload: string } {
  const status = reply.status ?? 200;
  const headers: Record<string, string> = { ...reply.headers };
  let payload: string;
  if (reply.text !== undefined) {
    payload = reply.text;
    headers['content-type'] ??= 'text/plain; charset=utf-8';
  } else {
    // Clients reject an empty 200 body, so "nothing" is `{}`.
    payload = JSON.stringify(reply.body ?? {});
    headers['content-type'] ??= 'application/json; charset=UTF-8';
  }
  res.writeHead(status, headers);
  res.end(payload);
  return { status, contentType: headers['content-type'] ?? '', payload };
}

function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        reject(new ApiError(413, 'invalid', 'Request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** `{}`-bodied 200. */
export function ok(body: unknown = {}): Reply {
  return { status: 200, body };
}
