/**
 * bootstrap: an authenticated HTTP function (POST only) that provisions the topology and
 * streams its progress as NDJSON, one line per step, ending with the full report.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import type { Topology } from '../core/topology/schema.ts';
import { parseTopology, TopologyError, validateTopology } from '../core/topology/validate.ts';
import { bootstrap, bootstrapSeed } from '../engine/bootstrap.ts';
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

class BadRequest extends Error {}

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

async function topologyFrom(
  req: HttpRequest,
  rt: Runtime,
): Promise<{ topology: Topology; dryRun: boolean }> {
  const type =
    String(req.headers['content-type'] ?? '')
      .split(';')[0]
      ?.trim() ?? '';
  const raw = req.body;
  // functions-framework parses a body by its Content-Type only; without one the body is left
  // unread, so the request would run as if it had none.
  const hasBody =
    req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length']) > 0;
  if (raw === undefined && hasBody)
    throw new BadRequest(
      'the request has a body but no Content-Type: send application/json (options such as {"dryRun": true}) or application/yaml (a topology)',
    );
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
  if (empty) return { topology: await rt.topology(), dryRun: false };
  if (type === 'application/yaml' || type === 'text/yaml' || type === 'application/x-yaml') {
    const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : typeof raw === 'string' ? raw : '';
    return { topology: parseTopology(text, 'request body'), dryRun: false };
  }
  if (type !== 'application/json')
    throw new BadRequest(
      `unsupported content type '${type || 'none'}': send application/json or application/yaml`,
    );
  const parsed = bodySchema.safeParse(raw);
  if (!parsed.success)
    throw new BadRequest(
      `bad body: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}`,
    );
  const { topology, dryRun = false } = parsed.data;
  if (topology === undefined) return { topology: await rt.topology(), dryRun };
  return {
    topology:
      typeof topology === 'string'
        ? parseTopology(topology, 'request body')
        : validateTopology(topology, 'request body'),
    dryRun,
  };
}

export function makeBootstrap(rt: Runtime): (req: HttpRequest, res: HttpResponse) => Promise<void> {
  return async (req, res) => {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return fail(res, 405, `method ${req.method} not allowed; use POST`);
    }
    if (!rt.settings.local && !/^Bearer \S+$/.test(String(req.headers.authorization ?? '')))
      return fail(res, 401, 'an Authorization: Bearer token is required');
    let topology: Topology;
    let dryRun: boolean;
    try {
      const dryQuery = queryDryRun(req.query);
      ({ topology, dryRun } = await topologyFrom(req, rt));
      dryRun ||= dryQuery;
    } catch (e) {
      if (e instanceof TopologyError)
        return fail(res, 400, 'invalid topology', { issues: e.issues });
      if (e instanceof BadRequest) return fail(res, 400, e.message);
      throw e;
    }
    const seed = bootstrapSeed(topology);
    res.status(200).setHeader('Content-Type', 'application/x-ndjson');
    const run = bootstrap(topology, await rt.deps(), {
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
          { report: next.value },
        );
        res.end(`${JSON.stringify({ report: next.value })}\n`);
        return;
      }
      res.write(`${JSON.stringify(next.value)}\n`);
    }
  };
}
