/**
 * bootstrap: an authenticated HTTP function (POST only) that provisions the topology and
 * streams its progress as NDJSON, one line per step, ending with the full report.
 *
 * Outside local mode the caller's Google-signed ID token is verified (id-token.ts) and its email
 * logged at NOTICE, and only the deployed topology is provisioned; a request it cannot read is
 * refused with the reason (401, 400), never run as something else.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import type { Topology } from '../core/topology/schema.ts';
import { parseTopology, TopologyError, validateTopology } from '../core/topology/validate.ts';
import { bootstrap, bootstrapSeed } from '../engine/bootstrap.ts';
import { dispositionOf, httpStatusOf } from '../engine/disposition.ts';
import type { ReconcileDeps } from '../engine/reconcile.ts';
import { readSetting, SETTINGS } from '../runtime/settings.ts';
import { googleIdTokenVerifier, type IdTokenVerifier, TokenRejected } from './id-token.ts';
import type { Runtime } from './runtime.ts';

/** The request and response surface used, as functions-framework (Express) provides it. */
export interface HttpRequest {
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  readonly query: Record<string, unknown>;
  readonly body?: unknown;
}

export interface HttpResponse {
  status(code: number): HttpResponse;
  setHeader(name: string, value: string): unknown;
  write(chunk: string): unknown;
  end(chunk?: string): unknown;
}

const bodySchema = z.strictObject({
  /** A topology to provision instead of the deployed one: YAML text or an object. */
  topology: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
  dryRun: z.boolean().optional(),
});

/** The request is at fault: 400 with the reason. */
class BadRequest extends Error {}

/** The deployment is at fault (its topology or settings): 500 with the reason, logged. */
class ServerProblem extends Error {
  readonly extra: Record<string, unknown>;
  constructor(message: string, options: { cause?: unknown; issues?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.extra = options.issues === undefined ? {} : { issues: options.issues };
  }
}

function fail(
  res: HttpResponse,
  code: number,
  error: string,
  extra: Record<string, unknown> = {},
): void {
  res.status(code).setHeader('Content-Type', 'application/json');
  res.end(`${JSON.stringify({ error, ...extra })}\n`);
}

/** `?dryRun` as documented: `1`, `true` or empty is a dry run, `0` or `false` a real one. */
const DRY_RUN: Readonly<Record<string, boolean>> = {
  '1': true,
  true: true,
  '': true,
  '0': false,
  false: false,
};

/**
 * The query string's options. Anything else is refused: a misspelt or unknown value must never
 * fall back to a real run.
 */
function queryDryRun(query: Record<string, unknown>): boolean {
  for (const key of Object.keys(query))
    if (key !== 'dryRun')
      throw new BadRequest(
        `unknown query parameter '${key}': bootstrap takes only dryRun (1, true or empty for a dry run; 0 or false for a real one)`,
      );
  const value = query.dryRun;
  if (value === undefined) return false;
  const dry = typeof value === 'string' ? DRY_RUN[value] : undefined;
  if (dry === undefined)
    throw new BadRequest(
      `dryRun must be 1, true or empty (a dry run) or 0 or false (a real run); got ${JSON.stringify(value)}`,
    );
  return dry;
}

const YAML_TYPES = ['application/yaml', 'text/yaml', 'application/x-yaml'];

/** What the caller may send, in its terms: a topology only where the runtime is local. */
function accepted(local: boolean): string {
  return local
    ? 'application/json (options such as {"dryRun": true}, or a topology) or application/yaml (a topology)'
    : 'application/json with options only, such as {"dryRun": true}';
}

const ONLY_LOCAL =
  'a topology in the body is accepted only in local mode (PEERLINK_LOCAL=1): the deployed function provisions the topology it was deployed with; send options only, such as {"dryRun": true}';

/**
 * The body's options and, in local mode only, its topology. The deployed function runs with the
 * bootstrap service account's rights, so it provisions only what it was deployed with: a body
 * topology there would let any invoker create networks and clusters of their choosing.
 */
function readBody(req: HttpRequest, local: boolean): { topology?: Topology; dryRun: boolean } {
  const type =
    String(req.headers['content-type'] ?? '')
      .split(';')[0]
      ?.trim()
      .toLowerCase() ?? '';
  const raw = req.body;
  // functions-framework parses a body by its Content-Type only; without one the body is left
  // unread, so the request would run as if it had none.
  const hasBody =
    req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length']) > 0;
  if (raw === undefined && hasBody)
    throw new BadRequest(`the request has a body but no Content-Type: send ${accepted(local)}`);
  const empty =
    raw === undefined ||
    raw === '' ||
    (Buffer.isBuffer(raw) && raw.length === 0) ||
    (typeof raw === 'object' &&
      raw !== null &&
      !Buffer.isBuffer(raw) &&
      // `[]` has no keys either, but it is a body of the wrong shape, not an absent one.
      !Array.isArray(raw) &&
      Object.keys(raw).length === 0);
  if (empty) return { dryRun: false };
  if (YAML_TYPES.includes(type)) {
    if (!local) throw new BadRequest(ONLY_LOCAL);
    const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : typeof raw === 'string' ? raw : '';
    return { topology: parseTopology(text, 'request body'), dryRun: false };
  }
  if (type !== 'application/json')
    throw new BadRequest(`unsupported content type '${type || 'none'}': send ${accepted(local)}`);
  const parsed = bodySchema.safeParse(raw);
  if (!parsed.success)
    throw new BadRequest(
      `bad body: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}`,
    );
  const { topology, dryRun = false } = parsed.data;
  if (topology === undefined) return { dryRun };
  if (!local) throw new BadRequest(ONLY_LOCAL);
  return {
    topology:
      typeof topology === 'string'
        ? parseTopology(topology, 'request body')
        : validateTopology(topology, 'request body'),
    dryRun,
  };
}

/** The deployed topology, or a ServerProblem: a broken deployment is not the caller's fault. */
async function deployedTopology(rt: Runtime): Promise<Topology> {
  try {
    return await rt.topology();
  } catch (e) {
    if (e instanceof TopologyError)
      throw new ServerProblem('the deployed topology is invalid: fix it and redeploy', {
        issues: e.issues,
        cause: e,
      });
    throw new ServerProblem(
      `the deployed topology cannot be read: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
}

/**
 * A body topology must name the project this runtime works in (PEERLINK_PROJECT, else the
 * deployed topology's): in local mode that is the simulator's, and nothing else is touched.
 */
async function checkProject(topology: Topology, rt: Runtime, env: Env): Promise<void> {
  let project: string | undefined;
  try {
    project = readSetting(env, SETTINGS.project);
  } catch (e) {
    throw new ServerProblem(e instanceof Error ? e.message : String(e), { cause: e });
  }
  project ??= (await deployedTopology(rt)).project;
  if (topology.project !== project)
    throw new BadRequest(
      `the topology's project is '${topology.project}', but this runtime works in project '${project}' (PEERLINK_PROJECT, else the deployed topology's): a topology in the body must name it`,
    );
}

type Env = Readonly<Record<string, string | undefined>>;

export interface BootstrapOptions {
  /**
   * The environment the runtime was made from: PEERLINK_PROJECT and
   * PEERLINK_BOOTSTRAP_AUDIENCE. Default: none set.
   */
  readonly env?: Env;
  /** Checks the caller's ID token outside local mode. Default: Google's certificates. */
  readonly verifier?: IdTokenVerifier;
}

const LOCAL_CALLER = 'local mode (not verified)';

/**
 * The caller's email, from a verified ID token; in local mode there is none to verify.
 * @throws TokenRejected (401 or 503), ServerProblem (a bad PEERLINK_BOOTSTRAP_AUDIENCE)
 */
async function callerOf(
  req: HttpRequest,
  local: boolean,
  env: Env,
  verifier: IdTokenVerifier,
): Promise<string> {
  if (local) return LOCAL_CALLER;
  const bearer = /^Bearer (\S+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
  if (!bearer)
    throw new TokenRejected(
      "an Authorization: Bearer token is required: a Google-signed ID token for this function's URL",
    );
  let audience: readonly string[] | undefined;
  try {
    audience = readSetting(env, SETTINGS.bootstrapAudience);
  } catch (e) {
    throw new ServerProblem(e instanceof Error ? e.message : String(e), { cause: e });
  }
  // The function's URL as the caller used it: Cloud Run routes a request to a service by its
  // Host, and accepts a token whose audience is that URL.
  const host = req.headers.host;
  audience ??= host ? [`https://${host}`, `https://${host}/`] : [];
  return (await verifier.verify(bearer, audience)).email;
}

export function makeBootstrap(
  rt: Runtime,
  options: BootstrapOptions = {},
): (req: HttpRequest, res: HttpResponse) => Promise<void> {
  const env = options.env ?? {};
  const verifier = options.verifier ?? googleIdTokenVerifier();
  return async (req, res) => {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return fail(res, 405, `method ${req.method} not allowed; use POST`);
    }
    let caller: string;
    let topology: Topology;
    let dryRun: boolean;
    let deps: ReconcileDeps;
    try {
      try {
        caller = await callerOf(req, rt.settings.local, env, verifier);
      } catch (e) {
        if (!(e instanceof TokenRejected)) throw e;
        // The token is not logged: the library's messages quote it, and a valid one is a key.
        rt.logger.log('WARNING', `bootstrap refused: ${e.message}`, { status: e.status });
        if (e.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
        return fail(res, e.status, e.message);
      }
      const dryQuery = queryDryRun(req.query);
      const body = readBody(req, rt.settings.local);
      if (body.topology) await checkProject(body.topology, rt, env);
      topology = body.topology ?? (await deployedTopology(rt));
      dryRun = body.dryRun || dryQuery;
      deps = await rt.deps();
    } catch (e) {
      if (e instanceof TopologyError)
        return fail(res, 400, 'invalid topology', { issues: e.issues });
      if (e instanceof BadRequest) return fail(res, 400, e.message);
      const problem =
        e instanceof ServerProblem
          ? e
          : new ServerProblem(e instanceof Error ? e.message : String(e), { cause: e });
      // The one disposition decides: a transient cause is a 503 the caller may retry.
      const d = dispositionOf(problem.cause ?? problem, 'http');
      rt.logger.log(d.severity, `bootstrap: ${problem.message}`, {
        ...problem.extra,
        failure: d.failure,
      });
      return fail(res, httpStatusOf(d), problem.message, problem.extra);
    }
    rt.logger.log('NOTICE', `bootstrap started by ${caller}${dryRun ? ' (dry run)' : ''}`, {
      caller,
      dryRun,
    });
    const seed = bootstrapSeed(topology);
    res.status(200).setHeader('Content-Type', 'application/x-ndjson');
    const run = bootstrap(topology, deps, {
      dryRun,
      seed,
      concurrency: rt.settings.concurrency,
    });
    for (;;) {
      const next = await run.next();
      if (next.done) {
        rt.logger.log(
          next.value.ok ? 'NOTICE' : 'ERROR',
          `bootstrap ${next.value.ok ? 'completed' : 'stopped'}${dryRun ? ' (dry run)' : ''}`,
          { caller, report: next.value },
        );
        res.end(`${JSON.stringify({ report: next.value })}\n`);
        return;
      }
      res.write(`${JSON.stringify(next.value)}\n`);
    }
  };
}
