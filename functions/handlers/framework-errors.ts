/**
 * Bodies functions-framework fails on before a function runs, answered in JSON.
 *
 * functions-framework 5's getServer (build/src/server.js) parses every body with body-parser
 * (JSON, text, urlencoded, raw; `verify` keeps rawBody) and, for a CloudEvent function, converts
 * it with middleware that assumes an object (middleware/background_event_to_cloud_event.js:
 * `'data' in body` is a TypeError for a text or absent body). It registers no error-handling
 * middleware, so such a failure reaches Express's final handler, which answers an HTML page
 * with the stack trace; and it offers no hook for one. The one place that sees both the Express
 * app and the function it serves is getServer, which its main (`--target`) and its testing
 * module call through the module's exports: `answersBadBodies` wraps it once and appends an
 * error-handling middleware to the app of each function registered through it.
 *
 * A Pub/Sub push (onAuditLog, sweep) cannot be helped by a retry of the same bytes, so a bad body
 * is acknowledged (204) with an ERROR line, as `dispositionOf` says; bootstrap answers 400 with
 * the reason.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { MalformedEventError } from '../core/errors.ts';
import { dispositionOf, type Source } from '../engine/disposition.ts';
import type { Logger } from '../runtime/log.ts';

/** How a function answers a body it cannot be handed. */
export type BodyPolicy =
  /** A Pub/Sub push: ack a bad body (204) with an ERROR line; 500 where a retry can help. */
  | { readonly kind: 'push'; readonly target: string; readonly source: Source }
  /** Called by people: 4xx with the reason, in JSON. */
  | { readonly kind: 'http'; readonly target: string };

/** The parts of Express's request and response used here. */
interface Req {
  readonly method?: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body?: unknown;
}
interface Res {
  readonly headersSent: boolean;
  status(code: number): Res;
  setHeader(name: string, value: string): unknown;
  json(body: unknown): unknown;
  end(): unknown;
}
type ErrorMiddleware = (err: unknown, req: Req, res: Res, next: (err: unknown) => void) => void;
type Middleware = (req: Req, res: Res, next: () => void) => void;

/** What to answer and log for one failure. */
export interface FrameworkAnswer {
  readonly status: number;
  readonly body?: { readonly error: string };
  readonly log?: {
    readonly severity: 'WARNING' | 'ERROR';
    readonly message: string;
    readonly fields: Record<string, unknown>;
  };
}

const field = (e: unknown, key: string): unknown =>
  e !== null && typeof e === 'object' ? (e as Record<string, unknown>)[key] : undefined;

function isJson(text: unknown): boolean {
  if (typeof text !== 'string') return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function contentType(req: Req): string {
  const type = req.headers['content-type'];
  return (Array.isArray(type) ? type[0] : type)?.split(';')[0]?.trim() || 'none';
}

/**
 * What is wrong with the body, in the caller's terms, or undefined when the failure is not the
 * body's (a stream error, a bug): body-parser's errors carry a 4xx `status` and a `type`; the
 * CloudEvent middleware's TypeError comes from a body that is not an object.
 */
export function bodyProblem(err: unknown, req: Req): string | undefined {
  const status = field(err, 'status');
  const message = err instanceof Error ? err.message : String(err);
  if (typeof status === 'number' && status >= 400 && status < 500) {
    switch (field(err, 'type')) {
      case 'entity.parse.failed':
        // In strict mode body-parser refuses JSON that is not an object or array with the
        // same error as a syntax error; it keeps the text in `body`.
        return isJson(field(err, 'body'))
          ? 'the body is JSON, but not an object'
          : `the body is not valid JSON (${message})`;
      case 'entity.too.large':
        return 'the body is too large';
      case 'request.aborted':
        return 'the request was aborted before its body arrived';
      default:
        return `the body cannot be read (${message})`;
    }
  }
  if (req.body === undefined)
    return `the request has no body it can read (Content-Type: ${contentType(req)})`;
  if (typeof req.body !== 'object' || req.body === null)
    return `the body is not a JSON object (Content-Type: ${contentType(req)})`;
  return undefined;
}

/** Pub/Sub pushes with POST, and functions-framework routes only POST to a CloudEvent function. */
function notPost(req: Req): FrameworkAnswer {
  return { status: 405, body: { error: `method ${req.method} not allowed; use POST` } };
}

/** The answer for `err`, raised by the framework's middleware before `policy`'s function ran. */
export function frameworkAnswer(policy: BodyPolicy, err: unknown, req: Req): FrameworkAnswer {
  if (policy.kind === 'push' && req.method !== undefined && req.method !== 'POST')
    return notPost(req);
  const problem = bodyProblem(err, req);
  const name = err instanceof Error ? err.name : typeof err;
  if (policy.kind === 'http') {
    if (problem !== undefined) {
      const status = field(err, 'status');
      return { status: typeof status === 'number' ? status : 400, body: { error: problem } };
    }
    return {
      status: 500,
      body: { error: `internal error (${name}); see the function's log` },
      log: {
        severity: 'ERROR',
        message: `${policy.target}: the request failed before the function ran: ${err instanceof Error ? err.message : String(err)}`,
        fields: { failure: 'unexpected' },
      },
    };
  }
  const e =
    problem === undefined
      ? err
      : new MalformedEventError(`${problem}: not a Pub/Sub push`, { cause: err });
  const d = dispositionOf(e, policy.source);
  return {
    status: d.action === 'ack' ? 204 : 500,
    ...(d.action === 'ack' ? {} : { body: { error: d.reason } }),
    log: {
      severity: d.severity,
      message: `${problem === undefined ? '' : 'malformed request to '}${policy.target}: ${d.reason}`,
      fields: { failure: d.failure, contentType: contentType(req) },
    },
  };
}

function send(res: Res, answer: FrameworkAnswer): void {
  if (answer.status === 405) res.setHeader('Allow', 'POST');
  res.status(answer.status);
  if (answer.body) res.json(answer.body);
  else res.end();
}

function middleware(policy: BodyPolicy, logger: Logger): ErrorMiddleware {
  // Four parameters: Express calls a middleware with an error only when it declares four.
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const answer = frameworkAnswer(policy, err, req);
    if (answer.log) logger.log(answer.log.severity, answer.log.message, answer.log.fields);
    send(res, answer);
  };
}

/** A request no route took: a CloudEvent function's only route is POST. */
const unrouted: Middleware = (req, res, next) => {
  if (res.headersSent || req.method === 'POST') return next();
  send(res, notPost(req));
};

interface Policy {
  readonly policy: BodyPolicy;
  readonly logger: Logger;
}

// Kept on the function and the framework's module under global symbols, not in this module's
// state: a second copy of this module (a test runner's fresh module graph over the same
// functions-framework) must find both.
const POLICY = Symbol.for('peerlink.bodyPolicy');
const WRAPPED = Symbol.for('peerlink.answersBadBodies');

function policyOf(fn: object): Policy | undefined {
  return (fn as { [POLICY]?: Policy })[POLICY];
}

type GetServer = (userFunction: object, options: unknown) => unknown;

interface ServerModule {
  getServer: GetServer & { [WRAPPED]?: true };
}

interface ExpressApp {
  use(fn: ErrorMiddleware | Middleware): unknown;
}

const isApp = (v: unknown): v is ExpressApp =>
  typeof v === 'function' && typeof (v as { use?: unknown }).use === 'function';

/** functions-framework's server module: the one its main and its testing module load. */
function serverModule(): ServerModule {
  const require = createRequire(import.meta.url);
  const index = require.resolve('@google-cloud/functions-framework');
  return require(join(dirname(index), 'server.js')) as ServerModule;
}

function install(): void {
  const server = serverModule();
  if (server.getServer[WRAPPED]) return;
  const original = server.getServer;
  const wrapped = (userFunction: object, options: unknown): unknown => {
    const made = original(userFunction, options);
    const p = policyOf(userFunction);
    if (!p) return made;
    // http.createServer(app): the app is the server's request listener.
    const app =
      made !== null && typeof made === 'object' && 'listeners' in made
        ? (made as { listeners(event: string): unknown[] }).listeners('request')[0]
        : undefined;
    if (!isApp(app))
      throw new Error(
        'functions-framework changed: getServer no longer serves an Express app; bad bodies would get its HTML error page',
      );
    // Appended after the framework's routes: reached only by what no route answered.
    if (p.policy.kind === 'push') app.use(unrouted);
    app.use(middleware(p.policy, p.logger));
    return made;
  };
  server.getServer = Object.assign(wrapped, { [WRAPPED]: true as const });
}

/**
 * Registers `fn` to answer bodies the framework fails on as `policy` says; returns `fn`, to be
 * registered with functions.http or functions.cloudEvent. Call before the server is made (at
 * module load, as functions/index.ts does).
 */
export function answersBadBodies<F extends object>(fn: F, policy: BodyPolicy, logger: Logger): F {
  install();
  Object.defineProperty(fn, POLICY, {
    value: { policy, logger } satisfies Policy,
    configurable: true,
  });
  return fn;
}
