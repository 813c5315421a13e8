/**
 * End to end through the real push path: simulator audit log → Pub/Sub emulator → push →
 * functions-framework → peerlink → simulator. Needs `gcloud beta emulators pubsub` (CI installs
 * nothing for it: the Cloud SDK ships it on this machine).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourceName } from '../../functions/core/desire/names.ts';
import type { Topology } from '../../functions/core/topology/schema.ts';
import { loadTopology } from '../../functions/runtime/files.ts';
import { Actor } from '../local/actor.ts';
import { runBootstrap, runDemo, snapshot, THIRD_VPC } from '../local/demo.ts';
import { type Stack, startStack } from '../local/stack.ts';
import { holds } from '../support/poll.ts';
import { waitFor } from '../support/process-group.ts';
import { exampleTopologyPath } from '../support/topology.ts';
import { auditLog, quiesce, readsAfter, republish, stats } from './support.ts';

let stack: Stack;
let t: Topology;
const stateDir = mkdtempSync(path.join(tmpdir(), 'peerlink-e2e-'));
const print = (line: string) => process.stdout.write(`[e2e] ${line}\n`);

beforeAll(async () => {
  t = await loadTopology(exampleTopologyPath);
  stack = await startStack({
    project: t.project,
    topologyPath: exampleTopologyPath,
    operationMs: 50,
    stateDir,
  });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  rmSync(stateDir, { recursive: true, force: true });
}, 60_000);

describe('the demo, driven only by audit logs', () => {
  it('converges every step', async () => {
    const results = await runDemo(stack, t, print, 60_000);
    expect(results.map((r) => [r.name.slice(0, 2), r.ok, r.ok ? '' : r.detail])).toEqual([
      ['1.', true, ''],
      ['2.', true, ''],
      ['3.', true, ''],
      ['4.', true, ''],
    ]);
  }, 300_000);

  it("goes quiet afterwards: peerlink's own changes start no storm", async () => {
    const before = await quiesce(stack);
    // Waiting for nothing to happen: there is no state to poll for, so watch a fixed window,
    // longer than quiesce's 2 s of silence, and fail at the first write.
    await holds(async () => (await stats(stack)).writes === before.writes, {
      what: 'no write after the demo',
      forMs: 3_000,
      intervalMs: 250,
    });
    const after = await quiesce(stack);
    expect(after.writes).toBe(before.writes);
  }, 120_000);

  it('makes no write for an entry delivered twice', async () => {
    const entries = await auditLog(stack);
    const nodePool = entries.filter(
      (e) => e.protoPayload?.methodName?.endsWith('CreateNodePool') && e.operation?.last,
    );
    expect(nodePool).toHaveLength(1);
    const before = await quiesce(stack);
    await republish(stack, t.project, nodePool);
    await readsAfter(stack, before.reads);
    const after = await quiesce(stack);
    expect(after.reads).toBeGreaterThan(before.reads);
    expect(after.writes).toBe(before.writes);
  }, 120_000);

  it("makes no write for peerlink's own audit entries", async () => {
    // Both of peerlink's accounts: the reactor's own entries and bootstrap's.
    const accounts: readonly string[] = [stack.principals.reactor, stack.principals.bootstrap];
    const own = (await auditLog(stack)).filter(
      (e) =>
        accounts.includes(e.protoPayload?.authenticationInfo?.principalEmail ?? '') &&
        e.operation?.last,
    );
    expect(own.length).toBeGreaterThan(5);
    // Make the state drift first, so that a write would show if peerlink answered its own entries.
    const before = await quiesce(stack);
    await republish(stack, t.project, own);
    await readsAfter(stack, before.reads);
    const after = await quiesce(stack);
    expect(after.writes).toBe(before.writes);
  }, 120_000);

  it('changes nothing when bootstrap runs a second time', async () => {
    const before = await quiesce(stack);
    const r = await runBootstrap(stack, print);
    expect(r.ok).toBe(true);
    const after = await quiesce(stack);
    expect(after.writes).toBe(before.writes);
  }, 120_000);

  it('shrinks the masquerade CIDRs and the firewall sources when peerings are removed', async () => {
    const actor = new Actor(stack.sim.url, t.project);
    await actor.compute('POST', 'global/networks/vpc-b/removePeering', {
      name: `vpc-b-to-${THIRD_VPC.name}`,
    });
    await waitFor(
      'masquerade CIDRs without the third VPC',
      async () => {
        const s = await snapshot(stack, t);
        return s.masqueradeCidrs.join(',') === '10.193.0.0/16';
      },
      60_000,
    );
    const svc = t.services[0];
    if (!svc) throw new Error('fixture');
    const rule = `global/firewalls/${resourceName(svc, 'consumers')}`;
    expect((await actor.get(rule))?.sourceRanges).toEqual(['10.209.0.0/16']);
    await actor.compute('POST', 'global/networks/vpc-b/removePeering', {
      name: 'peerlink-vpc-b-vpc-a',
    });
    await waitFor(
      'no masquerade CIDRs and no consumer rule',
      async () => {
        const s = await snapshot(stack, t);
        return s.masqueradeCidrs.length === 0 && (await actor.get(rule)) === null;
      },
      60_000,
    );
    expect((await snapshot(stack, t)).firewalls.some((f) => f.includes('-egress-'))).toBe(false);
  }, 180_000);
});
