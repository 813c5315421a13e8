/**
 * Bad events through the real push path: functions-framework serves onAuditLog, a Pub/Sub push
 * body is posted, and peerlink runs against the simulator through its real adapters. Every case
 * must give its documented answer (2xx acknowledges, 500 asks Pub/Sub to redeliver) and log
 * line, and change nothing in the simulated world.
 */
import * as functions from '@google-cloud/functions-framework';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answersBadBodies } from '../../functions/handlers/framework-errors.ts';
import { makeOnAuditLog } from '../../functions/handlers/on-audit-log.ts';
import { createRuntime } from '../../functions/runtime/runtime.ts';
import {
  capturingLogger,
  type EventCase,
  eventCases,
  pushRequest,
  type Served,
  serve,
} from '../fixtures/bad-input/harness.ts';
import { startWorld, type World } from '../fixtures/bad-input/world.ts';

const cases = eventCases();
const lines: Record<string, unknown>[] = [];
let world: World;
let server: Served;

beforeAll(async () => {
  world = await startWorld();
  const logger = capturingLogger(lines);
  const onAuditLog = makeOnAuditLog(createRuntime(world.env, logger));
  // As functions/index.ts registers it, bodies the framework cannot read included.
  functions.cloudEvent(
    'onAuditLog',
    answersBadBodies(
      async (event: functions.CloudEvent<unknown>) => {
        await onAuditLog(event);
      },
      { kind: 'push', target: 'onAuditLog', source: 'event' },
      logger,
    ),
  );
  server = await serve('onAuditLog');
});
afterAll(async () => {
  server?.close();
  await world?.close();
});

async function setFaults(methods: Record<string, object>): Promise<void> {
  const res = await fetch(`${world.sim.url}/__sim/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ seed: 1, methods }),
  });
  if (!res.ok) throw new Error(`faults: ${res.status} ${await res.text()}`);
}

async function push(c: EventCase): Promise<Response> {
  const { contentType, body, headers } = pushRequest(c, new Date().toISOString());
  return fetch(`${server.url}/projects/peerlink-demo/topics/peerlink-audit`, {
    method: 'POST',
    headers: { ...headers, 'content-type': contentType },
    body,
  });
}

describe('bad events through the push path', () => {
  it('the corpus has at least 50 cases with distinct names', () => {
    expect(cases.length).toBeGreaterThanOrEqual(50);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const state = await world.state();
    const before = await world.stats();
    lines.length = 0;
    if (c.faults) await setFaults(c.faults);
    let res: Response;
    let text: string;
    try {
      res = await push(c);
      text = await res.text();
    } finally {
      if (c.faults) await setFaults({});
    }
    expect({ status: res.status, text }).toMatchObject({ status: c.expect.status });
    if (c.expect.severity === null) {
      expect(text).toContain(c.expect.message);
      expect(lines).toEqual([]);
    } else {
      expect(lines).toContainEqual(
        expect.objectContaining({
          severity: c.expect.severity,
          message: expect.stringContaining(c.expect.message),
        }),
      );
    }
    const after = await world.stats();
    expect(after.writes - before.writes, 'writes in the simulator').toBe(0);
    expect(await world.state(), 'the simulated world, byte for byte').toBe(state);
  });

  it('sees a write when one is due (the zero-write checks are not blind)', async () => {
    const fw = 'peerlink-dummy-backend-a603cc-consumers';
    const del = await fetch(
      `${world.sim.url}/compute/v1/projects/peerlink-demo/global/firewalls/${fw}`,
      { method: 'DELETE' },
    );
    expect(del.ok).toBe(true);
    await world.sim.sim.ops.drain();
    const before = await world.stats();
    const valid = cases.find((c) => c.name === 'transient-read-failure');
    if (!valid) throw new Error('the corpus lost its valid entry');
    const res = await push({ ...valid, faults: undefined });
    expect(res.status).toBe(204);
    expect((await world.stats()).methods['compute.firewalls.insert']?.writes).toBe(
      (before.methods['compute.firewalls.insert']?.writes ?? 0) + 1,
    );
  });
});
