/**
 * Bad bootstrap requests through functions-framework's own server: wrong methods answer 405,
 * missing or bad ID tokens 401 (logged at WARNING), bad bodies 400, each with the reason, and
 * nothing is written.
 */
import * as functions from '@google-cloud/functions-framework';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBootstrap } from '../../functions/handlers/bootstrap.ts';
import { answersBadBodies } from '../../functions/handlers/framework-errors.ts';
import { createRuntime } from '../../functions/runtime/runtime.ts';
import {
  type BootstrapCase,
  bootstrapCases,
  capturingLogger,
  type Served,
  serve,
} from '../fixtures/bad-input/harness.ts';
import { startWorld, type World } from '../fixtures/bad-input/world.ts';
import { idTokenIssuer } from '../support/id-tokens.ts';

/**
 * `token`: the test mints an ID token with these claims and sends it as the bearer (see the
 * corpus README).
 */
interface TokenCase extends BootstrapCase {
  readonly token?: {
    readonly aud?: string;
    readonly iss?: string;
    readonly expiresIn?: number;
    readonly signed?: false;
    readonly key?: 'other';
    readonly redacted?: true;
  };
}

const AUDIENCE = 'https://peerlink-bootstrap-123456789.europe-west1.run.app';
const CALLER = 'deployer@peerlink-demo.iam.gserviceaccount.com';
const tokens = idTokenIssuer({ aud: AUDIENCE, email: CALLER });
const otherKey = idTokenIssuer({ aud: AUDIENCE, email: CALLER });

function bearer(t: NonNullable<TokenCase['token']>): string {
  const { key, signed, redacted, ...claims } = t;
  const issuer = key === 'other' ? otherKey : tokens;
  if (redacted) return `${issuer.unsigned(claims)}SIGNATURE_REMOVED_BY_GOOGLE`;
  return signed === false ? issuer.unsigned(claims) : issuer.sign(claims);
}

const cases: TokenCase[] = bootstrapCases();
const lines: Record<string, unknown>[] = [];
let world: World;
let local: Served;
let remote: Served;

beforeAll(async () => {
  world = await startWorld();
  const logger = capturingLogger(lines);
  // Through answersBadBodies, as functions/index.ts registers it.
  const http = { kind: 'http', target: 'bootstrap' } as const;
  functions.http(
    'bootstrapLocal',
    answersBadBodies(
      makeBootstrap(createRuntime({ ...world.env, PEERLINK_LOCAL: '1' }, logger)),
      http,
      logger,
    ),
  );
  const env = { ...world.env, PEERLINK_BOOTSTRAP_AUDIENCE: AUDIENCE };
  functions.http(
    'bootstrapRemote',
    answersBadBodies(
      makeBootstrap(createRuntime(env, logger), { env, verifier: tokens.verifier }),
      http,
      logger,
    ),
  );
  local = await serve('bootstrapLocal');
  remote = await serve('bootstrapRemote');
});
afterAll(async () => {
  local?.close();
  remote?.close();
  await world?.close();
});

function call(c: TokenCase): Promise<Response> {
  const base = c.local ? local.url : remote.url;
  // fetch sends a string body as text/plain; a case without a Content-Type sends bytes, to
  // which fetch adds none.
  const typed = Object.keys(c.headers).some((h) => h.toLowerCase() === 'content-type');
  const body = c.body === undefined || typed ? c.body : new TextEncoder().encode(c.body);
  const headers = c.token
    ? { ...c.headers, authorization: `Bearer ${bearer(c.token)}` }
    : c.headers;
  return fetch(`${base}${c.path ?? '/'}`, {
    method: c.method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
}

describe('bad bootstrap requests', () => {
  it('the corpus has a case for each method, credential and body problem', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const state = await world.state();
    const before = await world.stats();
    lines.length = 0;
    const res = await call(c);
    const text = await res.text();
    expect({ status: res.status, text }).toMatchObject({ status: c.expect.status });
    expect(text).toContain(c.expect.message);
    for (const [name, value] of Object.entries(c.expect.header ?? {}))
      expect(res.headers.get(name)).toBe(value);
    // Refused before anything runs: no bootstrap report is logged; a refused caller is, at
    // the case's severity, with the reason.
    if (c.expect.severity === null) expect(lines).toEqual([]);
    else
      expect(lines).toEqual([
        expect.objectContaining({
          severity: c.expect.severity,
          message: `bootstrap refused: ${JSON.parse(text).error}`,
        }),
      ]);
    expect((await world.stats()).writes - before.writes, 'writes in the simulator').toBe(0);
    expect(await world.state(), 'the simulated world, byte for byte').toBe(state);
  });
});
