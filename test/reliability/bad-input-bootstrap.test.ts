/**
 * Bad bootstrap requests through functions-framework's own server: wrong methods answer 405,
 * missing credentials 401, bad bodies 400, each with the reason, and nothing is written.
 */
import * as functions from '@google-cloud/functions-framework';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBootstrap } from '../../functions/handlers/bootstrap.ts';
import { createRuntime } from '../../functions/runtime/runtime.ts';
import {
  type BootstrapCase,
  bootstrapCases,
  capturingLogger,
  type Served,
  serve,
} from '../fixtures/bad-input/harness.ts';
import { startWorld, type World } from '../fixtures/bad-input/world.ts';

const cases = bootstrapCases();
const lines: Record<string, unknown>[] = [];
let world: World;
let local: Served;
let remote: Served;

beforeAll(async () => {
  world = await startWorld();
  const logger = capturingLogger(lines);
  functions.http(
    'bootstrapLocal',
    makeBootstrap(createRuntime({ ...world.env, PEERLINK_LOCAL: '1' }, logger)),
  );
  functions.http('bootstrapRemote', makeBootstrap(createRuntime(world.env, logger)));
  local = await serve('bootstrapLocal');
  remote = await serve('bootstrapRemote');
});
afterAll(async () => {
  local?.close();
  remote?.close();
  await world?.close();
});

function call(c: BootstrapCase): Promise<Response> {
  const base = c.local ? local.url : remote.url;
  // fetch sends a string body as text/plain; a case without a Content-Type sends bytes, to
  // which fetch adds none.
  const typed = Object.keys(c.headers).some((h) => h.toLowerCase() === 'content-type');
  const body = c.body === undefined || typed ? c.body : new TextEncoder().encode(c.body);
  return fetch(`${base}${c.path ?? '/'}`, {
    method: c.method,
    headers: c.headers,
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
    // Refused before anything runs: no bootstrap report is logged.
    expect(lines).toEqual([]);
    expect((await world.stats()).writes - before.writes, 'writes in the simulator').toBe(0);
    expect(await world.state(), 'the simulated world, byte for byte').toBe(state);
  });
});
