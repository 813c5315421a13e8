/**
 * functions/index.ts's three targets served through functions-framework, as its main serves
 * them when deployed: a body the framework cannot hand a function, and one of the wrong shape,
 * get a JSON answer with the right status (400 for bootstrap; 204 with an ERROR line for the
 * Pub/Sub functions, since a redelivery of the same bytes cannot help), and change nothing in
 * the simulated world.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Served, serve } from './fixtures/bad-input/harness.ts';
import { startWorld, type World } from './fixtures/bad-input/world.ts';
import { spawnGroup, waitFor } from './support/process-group.ts';
import { freePort } from './support/pubsub-emulator.ts';
import { repoRoot } from './support/topology.ts';

const TARGETS = ['onAuditLog', 'sweep', 'bootstrap'] as const;
type Target = (typeof TARGETS)[number];

let world: World;
const served = new Map<Target, Served>();
const logged: Record<string, unknown>[] = [];

beforeAll(async () => {
  world = await startWorld();
  // index.ts reads its settings from the environment on import. Local mode: bootstrap takes
  // no ID token (its checks are test/handlers/bootstrap.test.ts's).
  Object.assign(process.env, world.env, { PEERLINK_LOCAL: '1' });
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest) => {
    const text = String(chunk);
    if (!text.includes('"component":"peerlink"')) return write(chunk, ...(rest as []));
    for (const line of text.trim().split('\n'))
      logged.push(JSON.parse(line) as Record<string, unknown>);
    return true;
  }) as typeof process.stdout.write);
  await import('../functions/index.ts');
  for (const target of TARGETS) served.set(target, await serve(target));
});
afterAll(async () => {
  vi.restoreAllMocks();
  for (const s of served.values()) s.close();
  await world?.close();
});

interface Body {
  readonly name: string;
  readonly contentType?: string;
  readonly body?: string;
}

const BODIES: readonly Body[] = [
  { name: 'malformed JSON', contentType: 'application/json', body: '{"message": {"data": ' },
  { name: 'text/plain', contentType: 'text/plain', body: 'hello' },
  { name: 'an empty body' },
  { name: 'JSON of the wrong shape', contentType: 'application/json', body: '{"foo": [1, 2]}' },
  // body-parser reads JSON in UTF-8, 16 or 32 only (415 otherwise).
  { name: 'a Latin-1 JSON body', contentType: 'application/json; charset=iso-8859-1', body: '{}' },
];

/** bootstrap's answers: a 400 with the reason, except where an empty body is its plain call. */
const BOOTSTRAP: Record<string, { status: number; error?: RegExp }> = {
  'malformed JSON': { status: 400, error: /^the body is not valid JSON \(.+\)$/ },
  'text/plain': { status: 400, error: /^unsupported content type 'text\/plain'/ },
  // No body is the documented request: provision the deployed topology (here a dry run).
  'an empty body': { status: 200 },
  'JSON of the wrong shape': { status: 400, error: /^bad body: \(body\): Unrecognized key/ },
  'a Latin-1 JSON body': {
    status: 415,
    error: /^the body cannot be read \(unsupported charset "ISO-8859-1"\)$/,
  },
};

async function post(target: Target, b: Body, base = served.get(target)?.url): Promise<Response> {
  // A Pub/Sub push names its topic in the path (functions-framework reads it from there).
  const path = target === 'bootstrap' ? '/?dryRun=1' : '/projects/peerlink-demo/topics/peerlink';
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: b.contentType ? { 'content-type': b.contentType } : {},
    ...(b.body === undefined ? {} : { body: b.body }),
    signal: AbortSignal.timeout(20_000),
  });
}

describe("functions/index.ts's targets answer bad bodies in JSON", () => {
  it.each(['onAuditLog', 'sweep'] as const)(
    '%s answers GET 405 in JSON and logs nothing (Pub/Sub pushes with POST)',
    async (target) => {
      logged.length = 0;
      const res = await fetch(`${served.get(target)?.url}/`, {
        signal: AbortSignal.timeout(20_000),
      });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
      expect(await res.json()).toEqual({ error: 'method GET not allowed; use POST' });
      expect(logged).toEqual([]);
    },
  );

  const cases = TARGETS.flatMap((target) => BODIES.map((b) => [target, b.name, b] as const));

  it.each(cases)('%s, %s', async (target, _name, b) => {
    const state = await world.state();
    const before = await world.stats();
    logged.length = 0;
    const res = await post(target, b);
    const text = await res.text();
    if (target === 'bootstrap') {
      const want = BOOTSTRAP[b.name];
      expect({ status: res.status, text }).toMatchObject({ status: want?.status });
      if (want?.error) {
        expect(res.headers.get('content-type')).toMatch(/^application\/json/);
        expect((JSON.parse(text) as { error: string }).error).toMatch(want.error);
      } else expect(text).toContain('"dryRun":true');
    } else {
      expect({ status: res.status, text }).toEqual({ status: 204, text: '' });
      const errors = logged.filter((l) => l.severity === 'ERROR');
      expect(errors).toHaveLength(1);
      expect(errors[0]?.message).toMatch(/malformed/);
    }
    expect((await world.stats()).writes - before.writes, 'writes in the simulator').toBe(0);
    expect(await world.state(), 'the simulated world').toBe(state);
  });
});

describe("as functions-framework's own main serves them (--target), as when deployed", () => {
  it.each(TARGETS)('%s answers malformed JSON in JSON or with an ERROR line', async (target) => {
    const before = await world.stats();
    const port = await freePort();
    const main = join(repoRoot, 'node_modules/@google-cloud/functions-framework/build/src/main.js');
    const proc = spawnGroup(
      process.execPath,
      [
        main,
        `--target=${target}`,
        '--source=functions/index.ts',
        `--port=${port}`,
        '--host=127.0.0.1',
      ],
      { env: { ...process.env, ...world.env, PEERLINK_LOCAL: '1' }, cwd: repoRoot },
    );
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitFor(
        `functions-framework serving ${target}`,
        async () => (await fetch(url, { signal: AbortSignal.timeout(1_000) })).status > 0,
        20_000,
        100,
      );
      const res = await post(
        target,
        { name: 'malformed JSON', contentType: 'application/json', body: '{"nope' },
        url,
      );
      const text = await res.text();
      if (target === 'bootstrap') {
        expect({ status: res.status, text }).toMatchObject({ status: 400 });
        expect(JSON.parse(text)).toEqual({
          error: expect.stringMatching(/^the body is not valid JSON/),
        });
      } else {
        expect({ status: res.status, text }).toEqual({ status: 204, text: '' });
        await waitFor(
          'the ERROR line',
          async () =>
            proc
              .output()
              .includes(
                `"severity":"ERROR","message":"malformed request to ${target}: the body is not valid JSON`,
              ),
          5_000,
          50,
        );
      }
      expect((await world.stats()).writes - before.writes).toBe(0);
    } finally {
      await proc.stop();
    }
  });
});
