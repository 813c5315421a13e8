/**
 * Bad topology files on every surface that reads one: `peerlink plan --topology F` exits 1 (an
 * error; 2 is for usage errors) listing each problem's path, onAuditLog (with F deployed) acknowledges with an ERROR line
 * listing them, and bootstrap answers 400 with them as issues. Nothing is written.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as functions from '@google-cloud/functions-framework';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../functions/cli/main.ts';
import { makeBootstrap } from '../../functions/handlers/bootstrap.ts';
import { makeOnAuditLog } from '../../functions/handlers/on-audit-log.ts';
import { createRuntime } from '../../functions/runtime/runtime.ts';
import {
  capturingLogger,
  pushRequest,
  type Served,
  serve,
  type TopologyCase,
  topologyCases,
} from '../fixtures/bad-input/harness.ts';
import { startWorld, type World } from '../fixtures/bad-input/world.ts';
import { nodePoolEntry } from '../support/runtime.ts';
import { exampleTopologyPath } from '../support/topology.ts';

const lines: Record<string, unknown>[] = [];
const dir = mkdtempSync(join(tmpdir(), 'peerlink-bad-topology-'));

/** Cases too large to commit, written here at load time: each one stands for a whole class. */
function generatedCases(): TopologyCase[] {
  const example = readFileSync(exampleTopologyPath, 'utf8');
  const levels = Array.from({ length: 9 }, (_, i) => {
    const item = i === 0 ? '"lol"' : `*l${i - 1}`;
    return `l${i}: &l${i} [${Array.from({ length: 9 }, () => item).join(', ')}]`;
  });
  const networks = Array.from(
    { length: 251 },
    (_, i) =>
      `  - name: net-${i}\n    subnets:\n      - name: net-${i}-a\n        range: 10.0.${i}.0/24`,
  );
  const generated: [string, string, string, TopologyCase['problems']][] = [
    [
      'alias-bomb',
      'a billion-laughs alias bomb: nine anchors, each a list of nine aliases of the one before',
      `${levels.join('\n')}\n${example}`,
      [
        { path: 'line 1', message: "'&l0' is a YAML anchor; a topology has none" },
        { path: 'line 2', message: "'*l0' is a YAML alias; a topology has none" },
      ],
    ],
    [
      '50-mb',
      'the example followed by a 50 MB comment',
      `${example}# ${'x'.repeat(50 * 2 ** 20)}\n`,
      [
        {
          path: '(file)',
          message: `the topology is ${(example.length + 50 * 2 ** 20 + 3).toLocaleString('en-US')} bytes, at most 1,048,576 (1 MiB)`,
        },
      ],
    ],
    [
      '251-networks',
      'one network more than a topology may have',
      `project: peerlink-demo\nregion: europe-west1\nnetworks:\n${networks.join('\n')}\n`,
      [{ path: 'networks', message: 'too many networks: 251, at most 250' }],
    ],
    [
      'deep-nesting',
      'flow lists nested 100,000 deep',
      `project: peerlink-demo\nnetworks: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`,
      [{ path: 'line 2', message: 'nested more than 64 levels deep' }],
    ],
  ];
  return generated.map(([name, why, text, problems]) => {
    const file = join(dir, `generated-${name}.yaml`);
    writeFileSync(file, text);
    return { name: `generated-${name}`, file, why, problems };
  });
}

const cases = [...topologyCases(), ...generatedCases()];
/** The deployed topology file onAuditLog reads; each case copies its file here. */
const deployed = join(dir, 'topology.yaml');
const savedEnv = { ...process.env };
let world: World;
let onAuditLog: Served;
let bootstrap: Served;

beforeAll(async () => {
  world = await startWorld();
  // `peerlink plan` reads process.env: point it at the simulator, so that even a file wrongly
  // accepted could reach nothing but loopback.
  Object.assign(process.env, world.env);
  const handler = makeOnAuditLog(
    createRuntime({ ...world.env, PEERLINK_TOPOLOGY: deployed }, capturingLogger(lines)),
  );
  functions.cloudEvent('onAuditLog', async (event: functions.CloudEvent<unknown>) => {
    await handler(event);
  });
  functions.http(
    'bootstrap',
    makeBootstrap(createRuntime({ ...world.env, PEERLINK_LOCAL: '1' }, capturingLogger(lines))),
  );
  onAuditLog = await serve('onAuditLog');
  bootstrap = await serve('bootstrap');
});
afterAll(async () => {
  onAuditLog?.close();
  bootstrap?.close();
  await world?.close();
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `body` and checks that the simulated world saw no write and did not change at all. */
async function changesNothing(body: () => Promise<void>): Promise<void> {
  const state = await world.state();
  const before = await world.stats();
  lines.length = 0;
  await body();
  expect((await world.stats()).writes - before.writes, 'writes in the simulator').toBe(0);
  expect(await world.state(), 'the simulated world, byte for byte').toBe(state);
}

const named = cases.map((c) => [c.name, c] as const);

/** `text` names every problem of the case: its path, then its message. */
function expectProblems(text: string, c: TopologyCase): void {
  for (const p of c.problems)
    expect(
      text.split('\n').some((l) => l.trim().startsWith(`${p.path}: `) && l.includes(p.message)),
      `'${p.path}: ...${p.message}...' in:\n${text}`,
    ).toBe(true);
}

describe('bad topology files', () => {
  it('the corpus has a file for each kind of problem', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it.each(named)('peerlink plan --topology %s exits 1 naming each problem', async (_n, c) => {
    await changesNothing(async () => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(['plan', '--topology', c.file], {
        out: (l) => out.push(l),
        err: (l) => err.push(l),
      });
      expect({ code, out }).toEqual({ code: 1, out: [] });
      expectProblems(err.join('\n'), c);
    });
  });

  it.each(named)(
    'onAuditLog acknowledges with an ERROR line when %s is deployed',
    async (_n, c) => {
      copyFileSync(c.file, deployed);
      await changesNothing(async () => {
        const now = new Date().toISOString();
        const { contentType, body } = pushRequest(
          {
            name: c.name,
            why: '',
            entry: nodePoolEntry({ cluster: 'backend-cluster', record: 'last', timestamp: now }),
            expect: { status: 204, severity: 'ERROR', message: '' },
          },
          now,
        );
        const res = await fetch(`${onAuditLog.url}/projects/peerlink-demo/topics/peerlink-audit`, {
          method: 'POST',
          headers: { 'content-type': contentType },
          body,
        });
        expect(res.status).toBe(204);
        const errors = lines.filter((l) => l.severity === 'ERROR');
        expect(errors).toHaveLength(1);
        expectProblems(String(errors[0]?.message), c);
      });
    },
  );

  it.each(named)('bootstrap answers 400 to %s as its body', async (_n, c) => {
    await changesNothing(async () => {
      const res = await fetch(bootstrap.url, {
        method: 'POST',
        headers: { 'content-type': 'application/yaml' },
        body: readFileSync(c.file),
      });
      const answer = (await res.json()) as { error: string; issues: { path: string }[] };
      expect({ status: res.status, error: answer.error }).toEqual({
        status: 400,
        error: 'invalid topology',
      });
      for (const p of c.problems)
        expect(answer.issues).toContainEqual({
          path: p.path,
          message: expect.stringContaining(p.message),
        });
    });
  });

  it('bootstrap answers 400 to a JSON body of 604,000 networks, with one problem', async () => {
    const networks = Array.from({ length: 604_000 }, () => ({ name: 'vpc', subnets: [] }));
    const topology = { project: 'peerlink-demo', region: 'europe-west1', networks };
    await changesNothing(async () => {
      const res = await fetch(bootstrap.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ topology, dryRun: true }),
      });
      expect({ status: res.status, answer: await res.json() }).toEqual({
        status: 400,
        answer: {
          error: 'invalid topology',
          issues: [{ path: 'networks', message: 'too many networks: 604,000, at most 250' }],
        },
      });
    });
  });
});
